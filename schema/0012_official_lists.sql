-- Official lists published with or alongside each report, and which countries are on them.
-- depends: 0007_rankings
CREATE TABLE tip.official_list (
    list_code   text PRIMARY KEY CHECK (list_code ~ '^[a-z_]+$'),
    name        text NOT NULL UNIQUE,
    description text NOT NULL
);
COMMENT ON TABLE tip.official_list IS 'The official lists a country can be on in a report year.';
COMMENT ON COLUMN tip.official_list.list_code IS 'Code used in seed files, e.g. cspa.';
COMMENT ON COLUMN tip.official_list.name IS 'Readable name.';
COMMENT ON COLUMN tip.official_list.description IS 'What being on the list means.';

INSERT INTO tip.official_list (list_code, name, description) VALUES
    ('cspa', 'Child Soldiers Prevention Act list', 'Governments identified under the Child Soldiers Prevention Act of 2008 as recruiting or using child soldiers.'),
    ('auto_downgrade_waiver', 'Tier 2 Watch List automatic-downgrade waiver', 'Countries whose automatic downgrade to Tier 3 after consecutive years on the Tier 2 Watch List was waived.'),
    ('special_watch_list', 'Special Watch List', 'Countries on the Tier 2 Watch List plus countries that moved up a full tier, reviewed in an interim assessment.'),
    ('state_sponsored', 'Government policy or pattern of trafficking', 'Governments the report finds to have a policy or pattern of trafficking (state-sponsored trafficking).');

CREATE TABLE tip.list_membership (
    report_year smallint NOT NULL REFERENCES tip.report,
    list_code   text     NOT NULL REFERENCES tip.official_list,
    iso3        text  NOT NULL REFERENCES tip.country,
    source_id   bigint   NOT NULL REFERENCES tip.source,
    load_run_id bigint   NOT NULL REFERENCES tip.load_run,
    -- One row per statement: the same membership may be stated by several sources.
    PRIMARY KEY (report_year, list_code, iso3, source_id)
);
CREATE INDEX list_membership_iso3_idx ON tip.list_membership (iso3, report_year);
COMMENT ON TABLE tip.list_membership IS 'A source stating that a country is on an official list in a report year. analytics.designations has one row per membership.';
COMMENT ON COLUMN tip.list_membership.report_year IS 'Report year of the list.';
COMMENT ON COLUMN tip.list_membership.list_code IS 'Which list.';
COMMENT ON COLUMN tip.list_membership.iso3 IS 'Country on the list.';
COMMENT ON COLUMN tip.list_membership.source_id IS 'Source stating the membership.';
COMMENT ON COLUMN tip.list_membership.load_run_id IS 'The load that last wrote this row.';
