-- What sources say about the placements besides the placements themselves:
-- published per-tier counts (to measure completeness) and values left out because sources disagree.
-- depends: 0007_rankings
CREATE TABLE tip.published_tier_count (
    report_year smallint NOT NULL REFERENCES tip.report,
    tier_code   text     NOT NULL REFERENCES tip.tier,
    count       smallint NOT NULL CHECK (count >= 0),
    source_id   bigint   NOT NULL REFERENCES tip.source,
    load_run_id bigint   NOT NULL REFERENCES tip.load_run,
    PRIMARY KEY (report_year, tier_code, source_id)
);
COMMENT ON TABLE tip.published_tier_count IS 'Per-tier counts as published by a source, for checking how complete each year is. Where sources disagree each count is kept with its own source.';
COMMENT ON COLUMN tip.published_tier_count.report_year IS 'Report the count describes.';
COMMENT ON COLUMN tip.published_tier_count.tier_code IS 'Tier counted.';
COMMENT ON COLUMN tip.published_tier_count.count IS 'Number of countries the source says the report placed on this tier.';
COMMENT ON COLUMN tip.published_tier_count.source_id IS 'Source of the count; conflicting counts say CONFLICT in their citation.';
COMMENT ON COLUMN tip.published_tier_count.load_run_id IS 'The load that last wrote this row.';

CREATE TABLE tip.ranking_conflict (
    report_year smallint NOT NULL REFERENCES tip.report,
    iso3        text  NOT NULL REFERENCES tip.country,
    tier_code   text     NOT NULL REFERENCES tip.tier,
    source_id   bigint   NOT NULL REFERENCES tip.source,
    load_run_id bigint   NOT NULL REFERENCES tip.load_run,
    PRIMARY KEY (report_year, iso3, tier_code, source_id)
);
COMMENT ON TABLE tip.ranking_conflict IS 'Placements a source stated but tipdb left out of tip.ranking because other sources disagree; the citation says why (RESOLVED, ACCEPTED, NOT USED).';
COMMENT ON COLUMN tip.ranking_conflict.report_year IS 'Report the disputed statement is about.';
COMMENT ON COLUMN tip.ranking_conflict.iso3 IS 'Country of the disputed statement.';
COMMENT ON COLUMN tip.ranking_conflict.tier_code IS 'Tier the source gave.';
COMMENT ON COLUMN tip.ranking_conflict.source_id IS 'The disputed source and the note on how the conflict was settled.';
COMMENT ON COLUMN tip.ranking_conflict.load_run_id IS 'The load that last wrote this row.';
