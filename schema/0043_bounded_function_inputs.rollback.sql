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

CREATE OR REPLACE FUNCTION analytics.search_findings(words text)
RETURNS TABLE (finding_id bigint, report_year smallint, report_year_date date, iso3 text, country text,
               category text, category_label text, summary text, source text, relevance real)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT v.finding_id, v.report_year, v.report_year_date, v.iso3, v.country, v.category, v.category_label,
           v.summary, v.source, ts_rank(f.search_vector, q.query)
    FROM websearch_to_tsquery('english', words) AS q(query)
    JOIN tip.finding f ON f.search_vector @@ q.query
    JOIN analytics.findings v ON v.finding_id = f.finding_id;
END;
COMMENT ON FUNCTION analytics.search_findings(text) IS 'Findings whose summary matches words in web-search syntax (English stemming: "forced labor" -military OR army), with their ts_rank relevance; one row per matching finding, columns as in analytics.findings. Example: SELECT * FROM analytics.search_findings(''child soldiers'') ORDER BY relevance DESC.';
