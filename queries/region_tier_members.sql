-- name: region_tier_members
-- description: Countries of a region that were ever on a tier, and in which reports (which African countries reached Tier 1, and when?).
-- grain: one row per country of the region ever placed on the tier
-- param: region region = Africa | continental region: Africa, America, Asia, Europe or Oceania
-- param: tier tier = 1 | tier code: 1, 2, 2WL, 3 or special_case
-- analytics.country_tiers has one row per country and tier, its report years already listed in order.
SELECT t.country, min(t.first_year) AS first_year, max(t.last_year) AS last_year, sum(t.reports) AS reports,
       string_agg(t.report_years, ', ' ORDER BY t.first_year) AS report_years
FROM analytics.country_tiers t
WHERE lower(t.region) = lower(%(region)s) AND t.tier = %(tier)s
GROUP BY t.country
ORDER BY first_year, t.country
