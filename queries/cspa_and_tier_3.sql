-- name: cspa_and_tier_3
-- description: Countries on the Child Soldiers Prevention Act list and on Tier 3 in the same report year.
-- grain: one row per country per report year
-- param: year integer | only this report year (default: every year with a loaded CSPA list)
-- The year as "no year given, or this one" rather than coalesce(year, report_year): the planner can then
-- count on every CSPA membership with Tier 3 (it guessed a handful and looked each one up).
SELECT d.report_year, d.country, d.tier, d.sources_count, d.sources
FROM analytics.designations d
WHERE d.list_code = 'cspa' AND d.tier = '3'
  AND (%(year)s::integer IS NULL OR d.report_year = %(year)s::integer)
ORDER BY d.report_year, d.country
