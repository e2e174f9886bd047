-- name: tier_counts_by_year
-- description: Countries per tier in each report year over a range, with each year's completeness.
-- grain: one row per report year
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
SELECT c.report_year,
       sum(t.placements) FILTER (WHERE t.tier = '1') AS tier_1,
       sum(t.placements) FILTER (WHERE t.tier = '2') AS tier_2,
       sum(t.placements) FILTER (WHERE t.tier = '2WL') AS tier_2_watch_list,
       sum(t.placements) FILTER (WHERE t.tier = '3') AS tier_3,
       sum(t.placements) FILTER (WHERE t.tier = 'special_case') AS special_case,
       c.placements AS total,
       c.published_total,
       c.complete
FROM analytics.coverage c
JOIN analytics.tier_counts t USING (report_year)
WHERE c.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
GROUP BY c.report_year, c.placements, c.published_total, c.complete
ORDER BY c.report_year
