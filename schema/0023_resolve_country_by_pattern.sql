-- analytics.resolve_country also recognises names by country_converter's patterns, when no known
-- spelling matches and exactly one country's pattern does.
-- depends: 0022_country_name_patterns
-- SECURITY DEFINER so that tip_reader, who reads no core table, can call it; the search path is
-- fixed so that nothing a caller creates can stand in for the tables it reads.
CREATE OR REPLACE FUNCTION analytics.resolve_country(name_or_code text) RETURNS text
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
RETURN coalesce(
    (SELECT iso3 FROM tip.country WHERE iso3 = upper(btrim(name_or_code))
     UNION ALL
     SELECT iso3 FROM tip.country_name WHERE lower(name) = lower(btrim(name_or_code))
     LIMIT 1),
    (SELECT min(iso3) FROM tip.country_name_pattern WHERE btrim(name_or_code) ~* pattern
     HAVING count(*) = 1)
);
COMMENT ON FUNCTION analytics.resolve_country(text) IS 'ISO3 code of a country given any known spelling or its ISO3 code (Burma, Myanmar and MMR all give MMR), or else a name that exactly one country''s country_converter pattern recognises (Türkiye, Czechia, Ivory Coast); NULL when unknown or ambiguous.';
