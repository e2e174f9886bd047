-- name: tiers_by_region
-- description: How each region's countries were placed in a report year.
-- grain: one row per region
-- param: year integer | report year (default: the latest report)
SELECT r.region,
       count(*) FILTER (WHERE r.tier = '1') AS tier_1,
       count(*) FILTER (WHERE r.tier = '2') AS tier_2,
       count(*) FILTER (WHERE r.tier = '2WL') AS tier_2_watch_list,
       count(*) FILTER (WHERE r.tier = '3') AS tier_3,
       count(*) FILTER (WHERE r.tier = 'special_case') AS special_case,
       count(*) AS placed
FROM analytics.rankings r
WHERE r.report_year = coalesce(%(year)s, (SELECT max(report_year) FROM analytics.reports))
GROUP BY r.region
ORDER BY r.region
