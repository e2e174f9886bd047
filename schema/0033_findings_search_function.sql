-- Full-text search moves out of the analytics views into a function: the tsvector column of
-- analytics.findings crashed polars' default engine and is opaque to Superset and ADBC, whereas every
-- tool can call a function that returns plain columns.
-- squawk-ignore-file ban-drop-view
-- (the view is recreated at once without search_vector; nothing else reads it)
-- depends: 0031_report_year_dates
DROP VIEW analytics.findings;

CREATE VIEW analytics.findings AS
SELECT f.finding_id, f.report_year, make_date(f.report_year, 1, 1) AS report_year_date, f.iso3, c.name AS country, f.category, fc.label AS category_label,
       f.summary, s.citation AS source, s.source_kind, s.verification
FROM tip.finding f
JOIN tip.finding_category fc USING (category)
JOIN tip.source s USING (source_id)
LEFT JOIN tip.country c USING (iso3);
COMMENT ON VIEW analytics.findings IS 'Grain: one row per finding (a short paraphrase of one statement of a report). Search their text with analytics.search_findings(''forced labor'').';
COMMENT ON COLUMN analytics.findings.finding_id IS 'Identifier of the finding.';
COMMENT ON COLUMN analytics.findings.report_year IS 'Report that states it.';
COMMENT ON COLUMN analytics.findings.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.findings.iso3 IS 'Country it is about; NULL for a report-wide finding.';
COMMENT ON COLUMN analytics.findings.country IS 'Canonical country name; NULL for a report-wide finding.';
COMMENT ON COLUMN analytics.findings.category IS 'Category code (state_sponsored, child_soldiers, forced_labor, sex_trafficking, prosecution, protection, prevention, tier_change, other).';
COMMENT ON COLUMN analytics.findings.category_label IS 'Readable category name.';
COMMENT ON COLUMN analytics.findings.summary IS 'Short paraphrase of the finding.';
COMMENT ON COLUMN analytics.findings.source IS 'Citation of the source.';
COMMENT ON COLUMN analytics.findings.source_kind IS 'official or secondary where the citation says so.';
COMMENT ON COLUMN analytics.findings.verification IS 'read or derived.';

GRANT SELECT ON analytics.findings TO tip_reader;

-- SECURITY DEFINER: the search needs tip.finding's indexed search_vector, which tip_reader cannot read;
-- the function returns only what analytics.findings shows, and its search_path is fixed.
CREATE FUNCTION analytics.search_findings(words text)
RETURNS TABLE (finding_id bigint, report_year smallint, report_year_date date, iso3 text, country text,
               category text, category_label text, summary text, source text, relevance real)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT v.finding_id, v.report_year, v.report_year_date, v.iso3, v.country, v.category, v.category_label,
           v.summary, v.source, ts_rank(f.search_vector, q.query)
    FROM websearch_to_tsquery('english', words) AS q(query)
    JOIN tip.finding f ON f.search_vector @@ q.query
    JOIN analytics.findings v ON v.finding_id = f.finding_id;
END;
COMMENT ON FUNCTION analytics.search_findings(text) IS 'Findings whose summary matches words in web-search syntax (English stemming: "forced labor" -military OR army), with their ts_rank relevance; one row per matching finding, columns as in analytics.findings. Example: SELECT * FROM analytics.search_findings(''child soldiers'') ORDER BY relevance DESC.';
REVOKE ALL ON FUNCTION analytics.search_findings(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.search_findings(text) TO tip_reader;
