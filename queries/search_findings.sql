-- name: search_findings
-- description: Findings whose text matches words (web-search syntax: "forced labor" -military OR army), most relevant first.
-- grain: one row per matching finding
-- param: words text required | words to search for, in web-search syntax
-- param: year integer | only this report year
-- param: country country | only findings about this country (any spelling or ISO3)
-- param: category category | only this category (state_sponsored, child_soldiers, forced_labor, ...)
SELECT f.report_year, f.country, f.category, f.summary, round(f.relevance::numeric, 3) AS relevance, f.source
FROM analytics.search_findings(%(words)s) f
WHERE f.report_year = coalesce(%(year)s, f.report_year)
  AND f.iso3 IS NOT DISTINCT FROM coalesce(analytics.resolve_country(%(country)s), f.iso3)
  AND f.category = coalesce(%(category)s, f.category)
ORDER BY relevance DESC, f.report_year DESC, f.finding_id
