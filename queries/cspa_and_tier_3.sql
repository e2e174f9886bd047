-- name: cspa_and_tier_3
-- description: Countries on the Child Soldiers Prevention Act list and on Tier 3 in the same report year.
-- grain: one row per country per report year
-- param: year integer | only this report year (default: every year with a loaded CSPA list)
SELECT d.report_year, d.country, d.tier, d.sources_count, d.sources
FROM analytics.designations d
WHERE d.list_code = 'cspa' AND d.tier = '3'
  AND d.report_year = coalesce(%(year)s, d.report_year)
ORDER BY d.report_year, d.country
