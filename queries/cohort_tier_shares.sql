-- name: cohort_tier_shares
-- description: Tier shares over time for a fixed cohort, the countries placed in a chosen report, so that countries added by later reports do not move the shares. Shares are of the cohort members placed that year; tiers come from analytics.tiers, in their order.
-- grain: one row per report year and tier
-- param: cohort_year integer = 2015 | report year whose placed countries form the cohort
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
-- The countries ever placed come from analytics.country_tiers (a row per country and tier). A cohort is
-- usually most of the countries ever placed: its placements per year and tier are then every placement
-- (analytics.tier_counts, counted when the data is loaded) less those of the few countries outside it, rather than
-- a grouping of nearly every row of analytics.rankings; a smaller cohort's placements are counted directly. Both
-- ways give the same counts, and only one runs: the other's condition is false before it reads a row (OFFSET 0
-- keeps that condition above the branch's scans).
WITH countries AS MATERIALIZED (
    -- Every country ever placed, and whether the cohort's report placed it (a hashed lookup of that report's).
    SELECT t.iso3, t.iso3 IN (SELECT r.iso3 FROM analytics.rankings r WHERE r.report_year = %(cohort_year)s) AS in_cohort
    FROM (SELECT DISTINCT iso3 FROM analytics.country_tiers) t
), by_complement AS MATERIALIZED (
    SELECT count(*) FILTER (WHERE in_cohort) AS cohort_size,
           2 * count(*) FILTER (WHERE in_cohort) > count(*) AS chosen
    FROM countries
), placed AS (
    SELECT * FROM (
        SELECT r.report_year, r.tier, count(*) AS placements
        FROM analytics.rankings r
        JOIN countries c ON c.iso3 = r.iso3 AND c.in_cohort
        WHERE r.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
        GROUP BY r.report_year, r.tier
        OFFSET 0
    ) direct
    WHERE NOT (SELECT chosen FROM by_complement)
    UNION ALL
    SELECT * FROM (
        SELECT report_year, tier, sum(placements)::bigint AS placements
        FROM (
            SELECT t.report_year, t.tier, t.placements
            FROM analytics.tier_counts t
            WHERE t.placements > 0
            UNION ALL
            -- Every placement of each country outside the cohort, read by its index.
            SELECT r.report_year, r.tier, -1
            FROM countries c
            CROSS JOIN LATERAL (SELECT r.report_year, r.tier FROM analytics.rankings r WHERE r.iso3 = c.iso3 OFFSET 0) r
            WHERE NOT c.in_cohort
        ) moves
        WHERE report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
        GROUP BY report_year, tier
        HAVING sum(placements) > 0
        OFFSET 0
    ) complement
    WHERE (SELECT chosen FROM by_complement)
), years AS (
    SELECT report_year, sum(placements) AS cohort_placed FROM placed GROUP BY report_year
)
SELECT y.report_year, t.tier, t.tier_label,
       (SELECT cohort_size FROM by_complement) AS cohort_size,
       y.cohort_placed,
       coalesce(p.placements, 0) AS placements,
       round(coalesce(p.placements, 0) * 100.0 / y.cohort_placed, 1) AS share_pct
FROM years y
CROSS JOIN analytics.tiers t
LEFT JOIN placed p ON p.report_year = y.report_year AND p.tier = t.tier
ORDER BY y.report_year, t.tier_ordinal NULLS LAST
