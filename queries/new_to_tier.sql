-- name: new_to_tier
-- description: Countries that entered a tier in a report year (who entered Tier 3 in 2020?). change = unknown marks a country whose previous placement is missing from incomplete data.
-- grain: one row per country placed on the tier that year but not the year before
-- param: tier tier = 3 | tier code: 1, 2, 2WL, 3 or special_case
-- param: year integer | report year (default: the latest report)
SELECT r.report_year, r.country, r.region, r.previous_tier, r.tier, r.change
FROM analytics.rankings r
WHERE r.tier = %(tier)s
  AND r.report_year = coalesce(%(year)s, (SELECT max(report_year) FROM analytics.reports))
  AND r.change <> 'unchanged'
ORDER BY r.country
