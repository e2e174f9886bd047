-- name: tier_members
-- description: Countries placed on a given tier in a given report year (who was Tier 3 in 2019?).
-- grain: one row per country
-- param: tier tier = 3 | tier code: 1, 2, 2WL, 3 or special_case
-- param: year integer | report year; default: the latest report
SELECT r.report_year, r.iso3, r.country, r.region, r.tier, r.previous_tier, r.change, r.verification
FROM analytics.rankings r
WHERE r.tier = %(tier)s
  AND r.report_year = coalesce(%(year)s, (SELECT max(report_year) FROM analytics.reports))
ORDER BY r.country
