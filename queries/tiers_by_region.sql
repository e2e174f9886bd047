-- name: tiers_by_region
-- description: How each region's countries were placed in a report year. Tiers come from analytics.tiers, in their order; a tier nobody in a region was given counts 0.
-- grain: one row per region and tier
-- param: year integer | report year (default: the latest report)
WITH chosen AS (
    SELECT r.region, r.tier
    FROM analytics.rankings r
    WHERE r.report_year = coalesce(%(year)s, (SELECT max(report_year) FROM analytics.reports))
), regions AS (
    SELECT DISTINCT region FROM chosen
)
SELECT g.region, t.tier, t.tier_label, count(c.tier) AS placements,
       sum(count(c.tier)) OVER (PARTITION BY g.region) AS placed
FROM regions g
CROSS JOIN analytics.tiers t
LEFT JOIN chosen c ON c.region IS NOT DISTINCT FROM g.region AND c.tier = t.tier
GROUP BY g.region, t.tier, t.tier_label, t.tier_ordinal
ORDER BY g.region, t.tier_ordinal NULLS LAST
