CREATE OR REPLACE FUNCTION analytics.resolve_country(name_or_code text) RETURNS text
LANGUAGE sql STABLE STRICT
RETURN (
    SELECT iso3 FROM analytics.countries WHERE iso3 = upper(btrim(name_or_code))
    UNION ALL
    SELECT iso3 FROM analytics.country_names WHERE lower(name) = lower(btrim(name_or_code))
    LIMIT 1
);
COMMENT ON FUNCTION analytics.resolve_country(text) IS 'ISO3 code of a country given any known spelling or its ISO3 code (Burma, Myanmar and MMR all give MMR); NULL when unknown.';
