-- Tier placements: one tier per country per report.
-- depends: 0004_countries 0005_tiers 0006_reports
CREATE TABLE tip.ranking (
    report_year smallint NOT NULL REFERENCES tip.report,
    iso3        text  NOT NULL REFERENCES tip.country,
    tier_code   text     NOT NULL REFERENCES tip.tier,
    source_id   bigint   NOT NULL REFERENCES tip.source,
    load_run_id bigint   NOT NULL REFERENCES tip.load_run,
    PRIMARY KEY (report_year, iso3)
);
-- Country histories (one country over the years) are read as often as year lists.
CREATE INDEX ranking_iso3_year_idx ON tip.ranking (iso3, report_year);
COMMENT ON TABLE tip.ranking IS 'Tier placements: one row per country per report year. A missing row means no source for it was found, not that the country was unranked; see analytics.coverage.';
COMMENT ON COLUMN tip.ranking.report_year IS 'Report that made the placement.';
COMMENT ON COLUMN tip.ranking.iso3 IS 'Country placed.';
COMMENT ON COLUMN tip.ranking.tier_code IS 'Tier given.';
COMMENT ON COLUMN tip.ranking.source_id IS 'Public source of the placement (its verification says whether it was read or derived).';
COMMENT ON COLUMN tip.ranking.load_run_id IS 'The load that last wrote this row.';
