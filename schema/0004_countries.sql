-- Countries keyed by ISO 3166-1 alpha-3, their regions, and every spelling the reports use.
-- depends: 0002_load_runs
CREATE TABLE tip.region (
    region text PRIMARY KEY CHECK (btrim(region) <> '')
);
COMMENT ON TABLE tip.region IS 'Continental regions as classified by the country_converter package (its "continent" classification, which follows the UN M49 regions but names the Americas "America").';
COMMENT ON COLUMN tip.region.region IS 'Region name: Africa, America, Asia, Europe or Oceania.';

CREATE TABLE tip.country (
    iso3        text PRIMARY KEY CHECK (iso3 ~ '^[A-Z]{3}$'),
    name        text    NOT NULL UNIQUE CHECK (btrim(name) = name AND name <> ''),
    region      text    NOT NULL REFERENCES tip.region,
    subregion   text    NOT NULL CHECK (btrim(subregion) <> ''),
    load_run_id bigint  NOT NULL REFERENCES tip.load_run
);
COMMENT ON TABLE tip.country IS 'Countries and territories placed in any TIP Report. Kosovo is XKX; the Netherlands Antilles keep their withdrawn code ANT.';
COMMENT ON COLUMN tip.country.iso3 IS 'ISO 3166-1 alpha-3 code (XKX for Kosovo, a user-assigned code in common use).';
COMMENT ON COLUMN tip.country.name IS 'Canonical English short name used by tipdb.';
COMMENT ON COLUMN tip.country.region IS 'Continental region (country_converter "continent").';
COMMENT ON COLUMN tip.country.subregion IS 'UN M49 sub-region (country_converter "UNregion"), e.g. Western Africa.';
COMMENT ON COLUMN tip.country.load_run_id IS 'The load that last wrote this row.';

CREATE TABLE tip.country_name (
    name        text    PRIMARY KEY CHECK (btrim(name) = name AND name <> ''),
    iso3        text NOT NULL REFERENCES tip.country,
    load_run_id bigint  NOT NULL REFERENCES tip.load_run
);
CREATE UNIQUE INDEX country_name_lower_key ON tip.country_name (lower(name));
CREATE INDEX country_name_iso3_idx ON tip.country_name (iso3);
COMMENT ON TABLE tip.country_name IS 'Every spelling of a country found in a report or source, mapped to one country. Matching is case-insensitive.';
COMMENT ON COLUMN tip.country_name.name IS 'The spelling as found, e.g. Burma, Korea, North, Cote D’Ivoire.';
COMMENT ON COLUMN tip.country_name.iso3 IS 'The country this spelling names.';
COMMENT ON COLUMN tip.country_name.load_run_id IS 'The load that last wrote this row.';
