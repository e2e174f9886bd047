-- The two SECURITY DEFINER functions a reader may call refuse inputs far longer than any name or search
-- (a 10 MB name took 33 s in the regular expressions; a huge search exhausted the parser's stack):
-- past the bound they answer nothing without doing the work.
-- depends: 0042_reader_temp_file_limit
CREATE OR REPLACE FUNCTION analytics.resolve_country(name_or_code text) RETURNS text
LANGUAGE sql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
RETURN CASE WHEN length(name_or_code) <= 200 THEN coalesce(
    (SELECT iso3 FROM tip.country WHERE iso3 = upper(btrim(name_or_code))
     UNION ALL
     SELECT iso3 FROM tip.country_name WHERE lower(name) = lower(btrim(name_or_code))
     LIMIT 1),
    (SELECT min(iso3) FROM tip.country_name_pattern WHERE btrim(name_or_code) ~* pattern
     HAVING count(*) = 1)
) END;
COMMENT ON FUNCTION analytics.resolve_country(text) IS 'ISO3 code of a country given any known spelling or its ISO3 code (Burma, Myanmar and MMR all give MMR), or else a name that exactly one country''s country_converter pattern recognises (Türkiye, Czechia, Ivory Coast); NULL when unknown, ambiguous or longer than 200 characters.';

CREATE OR REPLACE FUNCTION analytics.search_findings(words text)
RETURNS TABLE (finding_id bigint, report_year smallint, report_year_date date, iso3 text, country text,
               category text, category_label text, summary text, source text, relevance real)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT v.finding_id, v.report_year, v.report_year_date, v.iso3, v.country, v.category, v.category_label,
           v.summary, v.source, ts_rank(f.search_vector, q.query)
    -- A longer text is never handed to the parser: it searches for nothing instead.
    FROM websearch_to_tsquery('english', CASE WHEN length(words) <= 1000 THEN words ELSE '' END) AS q(query)
    JOIN tip.finding f ON f.search_vector @@ q.query
    JOIN analytics.findings v ON v.finding_id = f.finding_id;
END;
COMMENT ON FUNCTION analytics.search_findings(text) IS 'Findings whose summary matches words in web-search syntax (English stemming: "forced labor" -military OR army), with their ts_rank relevance; one row per matching finding, columns as in analytics.findings; nothing for a search longer than 1,000 characters. Example: SELECT * FROM analytics.search_findings(''child soldiers'') ORDER BY relevance DESC.';
