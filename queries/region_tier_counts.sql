-- name: region_tier_counts
-- description: Countries of one region per tier in each report year (the regional tier mix over time).
-- grain: one row per report year
-- param: region region = Africa | continental region: Africa, America, Asia, Europe or Oceania
SELECT y.report_year,
       count(r.iso3) FILTER (WHERE r.tier = '1') AS tier_1,
       count(r.iso3) FILTER (WHERE r.tier = '2') AS tier_2,
       count(r.iso3) FILTER (WHERE r.tier = '2WL') AS tier_2_watch_list,
       count(r.iso3) FILTER (WHERE r.tier = '3') AS tier_3,
       count(r.iso3) FILTER (WHERE r.tier = 'special_case') AS special_case,
       count(r.iso3) AS placed
FROM analytics.reports y
LEFT JOIN analytics.rankings r ON r.report_year = y.report_year AND lower(r.region) = lower(%(region)s)
GROUP BY y.report_year
ORDER BY y.report_year
