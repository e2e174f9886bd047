-- name: longest_runs
-- description: The longest runs of consecutive reports on one tier (persistence on Tier 3). Runs are broken by any report without a placement, including years whose data is incomplete.
-- grain: one row per run of consecutive reports of one country on the tier
-- param: tier tier = 3 | tier code: 1, 2, 2WL, 3 or special_case
-- param: limit integer = 10 | how many runs to show
WITH numbered AS (
    SELECT report_year, row_number() OVER (ORDER BY report_year) AS report_number
    FROM analytics.reports
), runs AS (
    SELECT r.country, r.report_year,
           n.report_number - row_number() OVER (PARTITION BY r.iso3 ORDER BY r.report_year) AS island
    FROM analytics.rankings r
    JOIN numbered n USING (report_year)
    WHERE r.tier = %(tier)s
)
SELECT country, min(report_year) AS first_year, max(report_year) AS last_year, count(*) AS consecutive_reports
FROM runs
GROUP BY country, island
ORDER BY consecutive_reports DESC, last_year DESC, country
LIMIT %(limit)s
