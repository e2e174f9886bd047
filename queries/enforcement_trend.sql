-- name: enforcement_trend
-- description: Global prosecutions, convictions and victims identified per report, with the change from the previous report. Missing figures stay empty.
-- grain: one row per report year
-- param: from_year integer | first report year (default: the first with figures)
-- param: to_year integer | last report year (default: the latest with figures)
SELECT report_year, data_year, prosecutions, prosecutions_change, convictions, convictions_change,
       victims_identified, victims_identified_change, prosecutions_labor, convictions_labor,
       victims_identified_labor, new_or_amended_legislation, source_kind
FROM analytics.enforcement
WHERE report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
ORDER BY report_year
