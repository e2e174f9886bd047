-- name: always_one_tier
-- description: Countries placed on the same tier in every report that placed them.
-- grain: one row per country
-- param: min_reports integer = 2 | only countries placed in at least this many reports
-- From analytics.country_tiers (a row per country and tier it was placed on): a country placed on one tier only
-- has one row there, with its placements summed up, rather than grouping every placement of analytics.rankings.
SELECT min(t.country) AS country, min(t.tier) AS tier, sum(t.reports) AS reports,
       min(t.first_year) AS first_year, max(t.last_year) AS last_year
FROM analytics.country_tiers t
GROUP BY t.iso3
HAVING count(*) = 1 AND sum(t.reports) >= %(min_reports)s
ORDER BY reports DESC, country
