-- analytics.search_findings as 0043 made it: the matches joined to analytics.findings by finding_id.
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
