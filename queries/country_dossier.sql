-- name: country_dossier
-- description: Everything loaded about one country in one report: its placement and change, the official lists it is on, and the findings.
-- grain: one row per fact (placement, list membership or finding)
-- param: country country required | any spelling of the country's name, or its ISO3 code
-- param: year integer | report year (default: the latest report)
-- The chosen country and year are scalar subqueries rather than a join, so that PostgreSQL pushes them
-- into the grouped designations view and reads one country's rows by index.
WITH chosen AS MATERIALIZED (
    SELECT analytics.resolve_country(%(country)s) AS iso3,
           coalesce(%(year)s, (SELECT max(report_year) FROM analytics.reports)) AS report_year
)
SELECT 1 AS section_order, 'placement' AS section,
       r.tier_label || ' (' || r.change || coalesce(' from ' || r.previous_tier, '') || ')' AS detail,
       r.source
FROM analytics.rankings r
WHERE r.iso3 = (SELECT iso3 FROM chosen) AND r.report_year = (SELECT report_year FROM chosen)
UNION ALL
SELECT 2, 'official list', d.list_name, d.sources
FROM analytics.designations d
WHERE d.iso3 = (SELECT iso3 FROM chosen) AND d.report_year = (SELECT report_year FROM chosen)
UNION ALL
SELECT 3, 'finding: ' || f.category_label, f.summary, f.source
FROM analytics.findings f
WHERE f.iso3 = (SELECT iso3 FROM chosen) AND f.report_year = (SELECT report_year FROM chosen)
ORDER BY section_order, section, detail
