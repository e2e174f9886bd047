-- name: cohort_tier_shares
-- description: Tier shares over time for a fixed cohort, the countries placed in a chosen report, so that countries added by later reports do not move the shares. Shares are of the cohort members placed that year; tiers come from analytics.tiers, in their order.
-- grain: one row per report year and tier
-- param: cohort_year integer = 2015 | report year whose placed countries form the cohort
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
WITH cohort AS (
    SELECT iso3 FROM analytics.rankings WHERE report_year = %(cohort_year)s
), placed AS (
    SELECT r.report_year, r.tier, count(*) AS placements
    FROM analytics.rankings r
    JOIN cohort USING (iso3)
    WHERE r.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
    GROUP BY r.report_year, r.tier
), years AS (
    SELECT report_year, sum(placements) AS cohort_placed FROM placed GROUP BY report_year
)
SELECT y.report_year, t.tier, t.tier_label,
       (SELECT count(*) FROM cohort) AS cohort_size,
       y.cohort_placed,
       coalesce(p.placements, 0) AS placements,
       round(coalesce(p.placements, 0) * 100.0 / y.cohort_placed, 1) AS share_pct
FROM years y
CROSS JOIN analytics.tiers t
LEFT JOIN placed p ON p.report_year = y.report_year AND p.tier = t.tier
ORDER BY y.report_year, t.tier_ordinal NULLS LAST
