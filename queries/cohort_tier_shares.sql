-- name: cohort_tier_shares
-- description: Tier shares over time for a fixed cohort, the countries placed in a chosen report, so that countries added by later reports do not move the shares. Shares are of the cohort members placed that year.
-- grain: one row per report year
-- param: cohort_year integer = 2015 | report year whose placed countries form the cohort
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
WITH cohort AS (
    SELECT iso3 FROM analytics.rankings WHERE report_year = %(cohort_year)s
)
SELECT r.report_year,
       (SELECT count(*) FROM cohort) AS cohort_size,
       count(*) AS cohort_placed,
       round(count(*) FILTER (WHERE r.tier = '1') * 100.0 / count(*), 1) AS tier_1_pct,
       round(count(*) FILTER (WHERE r.tier = '2') * 100.0 / count(*), 1) AS tier_2_pct,
       round(count(*) FILTER (WHERE r.tier = '2WL') * 100.0 / count(*), 1) AS tier_2_watch_list_pct,
       round(count(*) FILTER (WHERE r.tier = '3') * 100.0 / count(*), 1) AS tier_3_pct,
       round(count(*) FILTER (WHERE r.tier = 'special_case') * 100.0 / count(*), 1) AS special_case_pct
FROM analytics.rankings r
JOIN cohort USING (iso3)
WHERE r.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
GROUP BY r.report_year
ORDER BY r.report_year
