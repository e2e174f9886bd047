-- name: most_volatile
-- description: Countries with the most tier changes between consecutive reports over a range. Only changes between two known placements count.
-- grain: one row per country
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
-- param: limit integer = 10 | how many countries to show
-- Over every report (no year given) the changes are summed from analytics.country_tiers, each country's
-- placements per tier counted beforehand; over a range they are counted from analytics.rankings. Exactly one
-- of the two branches runs: the other's condition is false before any row is read.
WITH per_country AS (
    SELECT t.country,
           sum(t.upgrades + t.downgrades + t.reclassified) AS changes,
           sum(t.upgrades) AS upgrades,
           sum(t.downgrades) AS downgrades,
           sum(t.reports) AS reports
    FROM analytics.country_tiers t
    WHERE %(from_year)s::integer IS NULL AND %(to_year)s::integer IS NULL
    GROUP BY t.country
    UNION ALL
    SELECT r.country,
           count(*) FILTER (WHERE r.change IN ('upgrade', 'downgrade', 'reclassified')),
           count(*) FILTER (WHERE r.change = 'upgrade'),
           count(*) FILTER (WHERE r.change = 'downgrade'),
           count(*)
    FROM analytics.rankings r
    WHERE NOT (%(from_year)s::integer IS NULL AND %(to_year)s::integer IS NULL)
      AND r.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
    GROUP BY r.country
)
SELECT country, changes, upgrades, downgrades, reports
FROM per_country
ORDER BY changes DESC, downgrades DESC, country
LIMIT %(limit)s
