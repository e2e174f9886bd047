DROP VIEW analytics.coverage;
CREATE VIEW analytics.coverage AS
SELECT report_year, make_date(report_year, 1, 1) AS report_year_date, placements, derived_placements, published_total, complete, missing_placements,
       published_tiers_match
FROM tip.report_completeness;
COMMENT ON VIEW analytics.coverage IS 'Grain: one row per report year. How far each year''s placements can be trusted: loaded against published totals.';
COMMENT ON COLUMN analytics.coverage.report_year IS 'Report year.';
COMMENT ON COLUMN analytics.coverage.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.coverage.placements IS 'Placements loaded for the year.';
COMMENT ON COLUMN analytics.coverage.derived_placements IS 'Of those, placements derived from other statements rather than read.';
COMMENT ON COLUMN analytics.coverage.published_total IS 'Countries the report placed, as a source states it; NULL where unknown.';
COMMENT ON COLUMN analytics.coverage.complete IS 'True when every published placement is loaded; false when the loaded placements fall short of a published total or tier count; NULL when nothing published allows checking (2021: no total was found).';
COMMENT ON COLUMN analytics.coverage.missing_placements IS 'Published total minus placements loaded, where positive.';
COMMENT ON COLUMN analytics.coverage.published_tiers_match IS 'Whether every tier with a single published count has exactly that many placements; NULL if no tier count was published.';
GRANT SELECT ON analytics.coverage TO tip_reader;
