-- name: tier_counts_by_year
-- description: Countries per tier in each report year over a range, optionally for one region, with each year's completeness (published_total and complete describe the whole report). Tiers come from analytics.tiers, in their order.
-- grain: one row per report year and tier
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
-- param: region region | only this region: Africa, America, Asia, Europe or Oceania (default: all)
WITH in_region AS (
    SELECT r.report_year, r.tier, count(*) AS placements
    FROM analytics.rankings r
    WHERE %(region)s::text IS NOT NULL AND lower(r.region) = lower(%(region)s::text)
      AND r.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
    GROUP BY r.report_year, r.tier
), counts AS (
    SELECT t.report_year, t.report_year_date, t.tier, t.tier_label, t.tier_ordinal,
           CASE WHEN %(region)s::text IS NULL THEN t.placements ELSE coalesce(g.placements, 0) END AS placements
    FROM analytics.tier_counts t
    LEFT JOIN in_region g ON g.report_year = t.report_year AND g.tier = t.tier
    WHERE t.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
)
SELECT n.report_year, n.report_year_date, n.tier, n.tier_label, n.placements,
       sum(n.placements) OVER (PARTITION BY n.report_year) AS total,
       c.published_total, c.complete
FROM counts n
JOIN analytics.coverage c USING (report_year)
ORDER BY n.report_year, n.tier_ordinal NULLS LAST
