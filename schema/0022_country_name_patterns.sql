-- Official and common spellings that no source of ours used yet (Türkiye, Czechia, Ivory Coast) are
-- still recognised: country_converter's regular expression for each country, kept as sourced data.
-- depends: 0021_special_watch_list_counts
CREATE TABLE tip.country_name_pattern (
    iso3        text   PRIMARY KEY REFERENCES tip.country,
    -- Matching the empty string compiles the expression, so an invalid one is refused on insert.
    pattern     text   NOT NULL CHECK (pattern <> '' AND ('' ~* pattern) IS NOT NULL),
    source_id   bigint NOT NULL REFERENCES tip.source,
    load_run_id bigint NOT NULL REFERENCES tip.load_run
);
COMMENT ON TABLE tip.country_name_pattern IS 'One row per country that country_converter recognises: the case-insensitive regular expression (PostgreSQL syntax) its names match, used when no known spelling does.';
COMMENT ON COLUMN tip.country_name_pattern.iso3 IS 'Country the pattern recognises.';
COMMENT ON COLUMN tip.country_name_pattern.pattern IS 'Case-insensitive regular expression (country_converter''s, with \b written \y), searched in a name.';
COMMENT ON COLUMN tip.country_name_pattern.source_id IS 'Public source of the pattern (tip.source): the country_converter release.';
COMMENT ON COLUMN tip.country_name_pattern.load_run_id IS 'Load that last wrote the row (tip.load_run).';
