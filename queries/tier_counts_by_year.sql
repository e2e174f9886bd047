-- name: tier_counts_by_year
-- description: Countries per tier in each report year over a range, optionally for one region, with each year's completeness (published_total and complete describe the whole report).
-- grain: one row per report year
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
-- param: region region | only this region: Africa, America, Asia, Europe or Oceania (default: all)
WITH counts AS (
    SELECT r.report_year,
           count(*) FILTER (WHERE r.tier = '1') AS tier_1,
           count(*) FILTER (WHERE r.tier = '2') AS tier_2,
           count(*) FILTER (WHERE r.tier = '2WL') AS tier_2_watch_list,
           count(*) FILTER (WHERE r.tier = '3') AS tier_3,
           count(*) FILTER (WHERE r.tier = 'special_case') AS special_case,
           count(*) AS total
    FROM analytics.rankings r
    WHERE %(region)s::text IS NULL OR lower(r.region) = lower(%(region)s::text)
    GROUP BY r.report_year
)
SELECT c.report_year,
       coalesce(n.tier_1, 0) AS tier_1,
       coalesce(n.tier_2, 0) AS tier_2,
       coalesce(n.tier_2_watch_list, 0) AS tier_2_watch_list,
       coalesce(n.tier_3, 0) AS tier_3,
       coalesce(n.special_case, 0) AS special_case,
       coalesce(n.total, 0) AS total,
       c.published_total,
       c.complete
FROM analytics.coverage c
LEFT JOIN counts n USING (report_year)
WHERE c.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
ORDER BY c.report_year
