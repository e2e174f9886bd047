-- name: tier_counts_by_year
-- description: Countries per tier in each report year over a range, optionally for one region, with each year's completeness (published_total and complete describe the whole report).
-- grain: one row per report year
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
-- param: region region | only this region: Africa, America, Asia, Europe or Oceania (default: all)
SELECT c.report_year,
       count(r.iso3) FILTER (WHERE r.tier = '1') AS tier_1,
       count(r.iso3) FILTER (WHERE r.tier = '2') AS tier_2,
       count(r.iso3) FILTER (WHERE r.tier = '2WL') AS tier_2_watch_list,
       count(r.iso3) FILTER (WHERE r.tier = '3') AS tier_3,
       count(r.iso3) FILTER (WHERE r.tier = 'special_case') AS special_case,
       count(r.iso3) AS total,
       c.published_total,
       c.complete
FROM analytics.coverage c
LEFT JOIN analytics.rankings r
       ON r.report_year = c.report_year AND lower(r.region) = lower(coalesce(%(region)s, r.region))
WHERE c.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
GROUP BY c.report_year, c.published_total, c.complete
ORDER BY c.report_year
