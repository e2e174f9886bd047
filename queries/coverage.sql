-- name: coverage
-- description: How complete each report year's placements are: loaded against published totals, with the errors and warnings tipdb check finds in the year.
-- grain: one row per report year
-- param: from_year integer | first report year (default: the first report)
-- param: to_year integer | last report year (default: the latest report)
SELECT report_year, placements, derived_placements, published_total, missing_placements, complete,
       published_tiers_match, check_errors, check_warnings
FROM analytics.coverage
WHERE report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
ORDER BY report_year
