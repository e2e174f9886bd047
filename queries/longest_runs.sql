-- name: longest_runs
-- description: The longest runs of consecutive reports on one tier (persistence on Tier 3). Runs are broken by any report without a placement, including years whose data is incomplete.
-- grain: one row per run of consecutive reports of one country on the tier
-- param: tier tier = 3 | tier code: 1, 2, 2WL, 3 or special_case
-- param: limit integer = 10 | how many runs to show
SELECT r.country, r.tier_since AS first_year, max(r.report_year) AS last_year,
       max(r.reports_on_tier) AS consecutive_reports
FROM analytics.rankings r
WHERE r.tier = %(tier)s
GROUP BY r.iso3, r.country, r.tier_since
ORDER BY consecutive_reports DESC, last_year DESC, r.country
LIMIT %(limit)s
