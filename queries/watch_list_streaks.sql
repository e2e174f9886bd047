-- name: watch_list_streaks
-- description: How many consecutive reports each country on the Tier 2 Watch List in a year has been on it. may_be_longer marks streaks that reach back to a report whose data is incomplete.
-- grain: one row per country on the Watch List in the chosen year
-- param: year integer | report year (default: the latest report)
WITH chosen AS (
    SELECT coalesce(%(year)s, (SELECT max(report_year) FROM analytics.reports)) AS report_year
), numbered AS (
    SELECT report_year, row_number() OVER (ORDER BY report_year) AS report_number
    FROM analytics.reports
), runs AS (
    -- Gaps and islands: consecutive reports on the Watch List share (report_number - row number).
    SELECT r.iso3, r.country, r.report_year, n.report_number,
           n.report_number - row_number() OVER (PARTITION BY r.iso3 ORDER BY r.report_year) AS island
    FROM analytics.rankings r
    JOIN numbered n USING (report_year)
    WHERE r.tier = '2WL' AND r.report_year <= (SELECT report_year FROM chosen)
), islands AS (
    SELECT iso3, country, island, min(report_year) AS since, max(report_year) AS until, count(*) AS reports
    FROM runs
    GROUP BY iso3, country, island
)
SELECT i.country, i.since, i.reports AS consecutive_reports,
       coalesce(c.complete IS NOT TRUE, false) AS may_be_longer
FROM islands i
JOIN chosen ON chosen.report_year = i.until
LEFT JOIN numbered n ON n.report_year = i.since
LEFT JOIN numbered p ON p.report_number = n.report_number - 1
LEFT JOIN analytics.coverage c ON c.report_year = p.report_year
ORDER BY i.reports DESC, i.country
