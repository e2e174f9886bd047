-- name: watch_list_streaks
-- description: How many consecutive reports each country on the Tier 2 Watch List in a year has been on it. may_be_longer marks streaks that begin right after an incomplete report that has no placement for the country.
-- grain: one row per country on the Watch List in the chosen year
-- param: year integer | report year (default: the latest report)
WITH sequence AS (
    SELECT report_year, lag(report_year) OVER (ORDER BY report_year) AS previous_year FROM analytics.reports
)
SELECT r.country, r.tier_since AS since, r.reports_on_tier AS consecutive_reports,
       coalesce(c.complete IS NOT TRUE AND prior.iso3 IS NULL, false) AS may_be_longer
FROM analytics.rankings r
LEFT JOIN sequence before ON before.report_year = r.tier_since
LEFT JOIN analytics.coverage c ON c.report_year = before.previous_year
-- A placement in the report before the streak (on another tier) bounds it, whatever else that year lacks.
LEFT JOIN analytics.rankings prior ON prior.iso3 = r.iso3 AND prior.report_year = before.previous_year
WHERE r.tier = '2WL'
  AND r.report_year = coalesce(%(year)s, (SELECT max(report_year) FROM analytics.reports))
ORDER BY r.reports_on_tier DESC, r.country
