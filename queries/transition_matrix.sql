-- name: transition_matrix
-- description: Where the countries of one report stood in another: how many went from each placement to each placement, "not placed" included both ways (countries first placed, or no longer placed), so every placement of both reports is counted once.
-- grain: one row per pair of placements (a tier from analytics.tiers, or not placed) of the first and second report
-- param: from_year integer | first report year (default: the report before the latest)
-- param: to_year integer | second report year (default: the latest report)
WITH years AS (
    SELECT coalesce(%(from_year)s, (SELECT max(report_year) FROM analytics.reports
                                    WHERE report_year < (SELECT max(report_year) FROM analytics.reports))) AS from_year,
           coalesce(%(to_year)s, (SELECT max(report_year) FROM analytics.reports)) AS to_year
), placements AS (
    -- Every tier in report order (Special Case, off the scale, last), then "not placed".
    SELECT tier, tier_label, row_number() OVER (ORDER BY tier_ordinal NULLS LAST, tier) AS position FROM analytics.tiers
    UNION ALL
    SELECT NULL, 'not placed', count(*) + 1 FROM analytics.tiers
), pairs AS (
    -- Counted per pair of placements first: a few dozen rows to match against the grid below, not a row per country.
    SELECT a.tier AS from_tier, b.tier AS to_tier, count(*) AS countries
    FROM (SELECT r.iso3, r.tier FROM analytics.rankings r JOIN years y ON r.report_year = y.from_year) a
    FULL JOIN (SELECT r.iso3, r.tier FROM analytics.rankings r JOIN years y ON r.report_year = y.to_year) b USING (iso3)
    GROUP BY a.tier, b.tier
)
SELECT y.from_year, y.to_year,
       f.tier AS from_tier, f.tier_label AS from_placement,
       t.tier AS to_tier, t.tier_label AS to_placement,
       coalesce(p.countries, 0) AS countries
FROM years y
CROSS JOIN placements f
CROSS JOIN placements t
LEFT JOIN pairs p ON p.from_tier IS NOT DISTINCT FROM f.tier AND p.to_tier IS NOT DISTINCT FROM t.tier
WHERE f.tier IS NOT NULL OR t.tier IS NOT NULL
ORDER BY f.position, t.position
