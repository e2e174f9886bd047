-- analytics.coverage also gives each year's check results (tipdb check), so that a year's completeness and
-- its contradictions are read in one place. Same columns as before (0031), two added.
-- depends: 0040_checks
-- Dropped and made again: nothing depends on it, and CREATE OR REPLACE cannot insert columns before report_year_date.
-- squawk-ignore ban-drop-view
DROP VIEW analytics.coverage;
CREATE VIEW analytics.coverage AS
WITH checks AS (
    SELECT f.report_year,
           count(*) FILTER (WHERE f.outcome = 'failed' AND c.severity = 'error') AS check_errors,
           count(*) FILTER (WHERE f.outcome = 'failed' AND c.severity = 'warning') AS check_warnings
    FROM tip.check_findings() f JOIN tip.check_rule c USING (rule_id)
    GROUP BY f.report_year
)
SELECT r.report_year, make_date(r.report_year, 1, 1) AS report_year_date, r.placements, r.derived_placements,
       r.published_total, r.complete, r.missing_placements, r.published_tiers_match,
       coalesce(k.check_errors, 0) AS check_errors,
       coalesce(k.check_warnings, 0) AS check_warnings
FROM tip.report_completeness r
LEFT JOIN checks k USING (report_year);
COMMENT ON VIEW analytics.coverage IS 'Grain: one row per report year. How far each year''s placements can be trusted: loaded against published totals, and the rules of tipdb check they break.';
COMMENT ON COLUMN analytics.coverage.report_year IS 'Report year.';
COMMENT ON COLUMN analytics.coverage.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.coverage.placements IS 'Placements loaded for the year.';
COMMENT ON COLUMN analytics.coverage.derived_placements IS 'Of those, placements derived from other statements rather than read.';
COMMENT ON COLUMN analytics.coverage.published_total IS 'Countries the report placed, as a source states it; NULL where unknown.';
COMMENT ON COLUMN analytics.coverage.complete IS 'True when every published placement is loaded; false when the loaded placements fall short of a published total or tier count; NULL when nothing published allows checking (2021: no total was found).';
COMMENT ON COLUMN analytics.coverage.missing_placements IS 'Published total minus placements loaded, where positive.';
COMMENT ON COLUMN analytics.coverage.published_tiers_match IS 'Whether every tier with a single published count has exactly that many placements; NULL if no tier count was published.';
COMMENT ON COLUMN analytics.coverage.check_errors IS 'Rows of the year that break an error rule of tipdb check (analytics.check_results): contradictions with the law or a published figure.';
COMMENT ON COLUMN analytics.coverage.check_warnings IS 'Rows of the year that break a warning rule of tipdb check: unusual facts to be looked at.';
GRANT SELECT ON analytics.coverage TO tip_reader;
