-- What the reports say about each country (or about all of them), by category, searchable in full text.
-- depends: 0007_rankings
CREATE TABLE tip.finding_category (
    category    text PRIMARY KEY CHECK (category ~ '^[a-z_]+$'),
    label       text NOT NULL UNIQUE,
    description text NOT NULL
);
COMMENT ON TABLE tip.finding_category IS 'The categories a finding is filed under.';
COMMENT ON COLUMN tip.finding_category.category IS 'Code used in seed files, e.g. state_sponsored.';
COMMENT ON COLUMN tip.finding_category.label IS 'Readable name.';
COMMENT ON COLUMN tip.finding_category.description IS 'What findings of this category are about.';

INSERT INTO tip.finding_category (category, label, description) VALUES
    ('state_sponsored', 'State-sponsored trafficking', 'A government policy or pattern of trafficking, such as state-sponsored forced labor.'),
    ('child_soldiers', 'Child soldiers', 'Recruitment or use of child soldiers.'),
    ('forced_labor', 'Forced labor', 'Forced labor not attributed to the state.'),
    ('sex_trafficking', 'Sex trafficking', 'Sex trafficking and officials'' complicity in it.'),
    ('prosecution', 'Prosecution', 'Investigations, prosecutions, convictions and laws.'),
    ('protection', 'Protection', 'Identifying and protecting victims.'),
    ('prevention', 'Prevention', 'Preventing trafficking.'),
    ('tier_change', 'Tier change', 'What the report says about the placement and its change.'),
    ('other', 'Other', 'Anything else, including report-wide facts.');

CREATE TABLE tip.finding (
    finding_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_year   smallint NOT NULL REFERENCES tip.report,
    iso3          text  REFERENCES tip.country,
    category      text     NOT NULL REFERENCES tip.finding_category,
    summary       text     NOT NULL CHECK (btrim(summary) <> ''),
    summary_md5   text     GENERATED ALWAYS AS (md5(summary)) STORED,
    search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english', summary)) STORED,
    source_id     bigint   NOT NULL REFERENCES tip.source,
    load_run_id   bigint   NOT NULL REFERENCES tip.load_run,
    CONSTRAINT finding_natural_key UNIQUE NULLS NOT DISTINCT (report_year, iso3, category, summary_md5)
);
CREATE INDEX finding_search_idx ON tip.finding USING gin (search_vector);
CREATE INDEX finding_iso3_year_idx ON tip.finding (iso3, report_year);
COMMENT ON TABLE tip.finding IS 'Findings of a report: short paraphrases of what it says about a country, or about all countries when iso3 is NULL.';
COMMENT ON COLUMN tip.finding.finding_id IS 'Surrogate key.';
COMMENT ON COLUMN tip.finding.report_year IS 'Report that states the finding.';
COMMENT ON COLUMN tip.finding.iso3 IS 'Country the finding is about; NULL for a report-wide finding.';
COMMENT ON COLUMN tip.finding.category IS 'Category of the finding.';
COMMENT ON COLUMN tip.finding.summary IS 'Short paraphrase, with only short quoted phrases.';
COMMENT ON COLUMN tip.finding.summary_md5 IS 'MD5 of the summary; part of the natural key without indexing long text.';
COMMENT ON COLUMN tip.finding.search_vector IS 'English full-text search vector of the summary (GIN indexed).';
COMMENT ON COLUMN tip.finding.source_id IS 'Source of the finding.';
COMMENT ON COLUMN tip.finding.load_run_id IS 'The load that last wrote this row.';
