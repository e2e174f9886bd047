-- name: transition_matrix
-- description: Where the countries of one report's tiers stood in another report: counts from each tier to each tier, and to no placement.
-- grain: one row per tier of the first report
-- param: from_year integer | first report year (default: the report before the latest)
-- param: to_year integer | second report year (default: the latest report)
WITH years AS (
    SELECT coalesce(%(from_year)s, (SELECT max(report_year) FROM analytics.reports
                                    WHERE report_year < (SELECT max(report_year) FROM analytics.reports))) AS from_year,
           coalesce(%(to_year)s, (SELECT max(report_year) FROM analytics.reports)) AS to_year
), pairs AS (
    SELECT a.tier AS from_tier, b.tier AS to_tier
    FROM years
    JOIN analytics.rankings a ON a.report_year = years.from_year
    LEFT JOIN analytics.rankings b ON b.report_year = years.to_year AND b.iso3 = a.iso3
)
SELECT t.tier AS from_tier,
       count(p.from_tier) FILTER (WHERE p.to_tier = '1') AS to_tier_1,
       count(p.from_tier) FILTER (WHERE p.to_tier = '2') AS to_tier_2,
       count(p.from_tier) FILTER (WHERE p.to_tier = '2WL') AS to_tier_2_watch_list,
       count(p.from_tier) FILTER (WHERE p.to_tier = '3') AS to_tier_3,
       count(p.from_tier) FILTER (WHERE p.to_tier = 'special_case') AS to_special_case,
       count(p.from_tier) FILTER (WHERE p.to_tier IS NULL) AS to_no_placement,
       count(p.from_tier) AS countries
FROM analytics.tiers t
LEFT JOIN pairs p ON p.from_tier = t.tier
GROUP BY t.tier, t.tier_ordinal
ORDER BY t.tier_ordinal
