-- name: always_one_tier
-- description: Countries placed on the same tier in every report that placed them.
-- grain: one row per country
-- param: min_reports integer = 2 | only countries placed in at least this many reports
SELECT min(r.country) AS country, min(r.tier) AS tier, count(*) AS reports,
       min(r.report_year) AS first_year, max(r.report_year) AS last_year
FROM analytics.rankings r
GROUP BY r.iso3
HAVING min(r.tier) = max(r.tier) AND count(*) >= %(min_reports)s
ORDER BY reports DESC, country
