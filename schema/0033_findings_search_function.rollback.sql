-- Back to analytics.findings with its search_vector column.
-- squawk-ignore-file ban-drop-view,ban-drop-function
DROP FUNCTION analytics.search_findings(text);
DROP VIEW analytics.findings;

CREATE VIEW analytics.findings AS
SELECT f.finding_id, f.report_year, make_date(f.report_year, 1, 1) AS report_year_date, f.iso3, c.name AS country, f.category, fc.label AS category_label,
       f.summary, f.search_vector, s.citation AS source, s.source_kind, s.verification
FROM tip.finding f
JOIN tip.finding_category fc USING (category)
JOIN tip.source s USING (source_id)
LEFT JOIN tip.country c USING (iso3);
COMMENT ON VIEW analytics.findings IS 'Grain: one row per finding (a short paraphrase of one statement of a report). Search with: search_vector @@ websearch_to_tsquery(''english'', ''forced labor'').';
COMMENT ON COLUMN analytics.findings.finding_id IS 'Identifier of the finding.';
COMMENT ON COLUMN analytics.findings.report_year IS 'Report that states it.';
COMMENT ON COLUMN analytics.findings.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.findings.iso3 IS 'Country it is about; NULL for a report-wide finding.';
COMMENT ON COLUMN analytics.findings.country IS 'Canonical country name; NULL for a report-wide finding.';
COMMENT ON COLUMN analytics.findings.category IS 'Category code (state_sponsored, child_soldiers, forced_labor, sex_trafficking, prosecution, protection, prevention, tier_change, other).';
COMMENT ON COLUMN analytics.findings.category_label IS 'Readable category name.';
COMMENT ON COLUMN analytics.findings.summary IS 'Short paraphrase of the finding.';
COMMENT ON COLUMN analytics.findings.search_vector IS 'English full-text search vector of the summary.';
COMMENT ON COLUMN analytics.findings.source IS 'Citation of the source.';
COMMENT ON COLUMN analytics.findings.source_kind IS 'official or secondary where the citation says so.';
COMMENT ON COLUMN analytics.findings.verification IS 'read or derived.';

GRANT SELECT ON analytics.findings TO tip_reader;
