-- name: region_tier_members
-- description: Countries of a region that were ever on a tier, and in which reports (which African countries reached Tier 1, and when?).
-- grain: one row per country of the region ever placed on the tier
-- param: region region = Africa | continental region: Africa, America, Asia, Europe or Oceania
-- param: tier tier = 1 | tier code: 1, 2, 2WL, 3 or special_case
SELECT r.country, min(r.report_year) AS first_year, max(r.report_year) AS last_year, count(*) AS reports,
       string_agg(r.report_year::text, ', ' ORDER BY r.report_year) AS report_years
FROM analytics.rankings r
WHERE lower(r.region) = lower(%(region)s) AND r.tier = %(tier)s
GROUP BY r.country
ORDER BY first_year, r.country
