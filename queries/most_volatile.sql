-- name: most_volatile
-- description: Countries with the most tier changes between consecutive reports over a range. Only changes between two known placements count.
-- grain: one row per country
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
-- param: limit integer = 10 | how many countries to show
SELECT r.country,
       count(*) FILTER (WHERE r.change IN ('upgrade', 'downgrade', 'reclassified')) AS changes,
       count(*) FILTER (WHERE r.change = 'upgrade') AS upgrades,
       count(*) FILTER (WHERE r.change = 'downgrade') AS downgrades,
       count(*) AS reports
FROM analytics.rankings r
WHERE r.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
GROUP BY r.country
ORDER BY changes DESC, downgrades DESC, r.country
LIMIT %(limit)s
