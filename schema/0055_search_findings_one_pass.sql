-- analytics.search_findings reads each matching finding once: its columns come from the same tip.finding row the
-- search found (joined to its category, source and country as analytics.findings joins them) instead of a second
-- join to analytics.findings by finding_id, which PostgreSQL did by hashing the matches and reading every finding
-- (84,178 at 100x the data: about half the query's time). Same rows and columns. work_mem: the matches the
-- function hands back (16,357 rows, 8 MB for "forced labor" at 100x) are kept in memory, not in a temporary file.
-- depends: 0043_bounded_function_inputs
CREATE OR REPLACE FUNCTION analytics.search_findings(words text)
RETURNS TABLE (finding_id bigint, report_year smallint, report_year_date date, iso3 text, country text,
               category text, category_label text, summary text, source text, relevance real)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '32MB'
BEGIN ATOMIC
    SELECT f.finding_id, f.report_year, make_date(f.report_year, 1, 1), f.iso3, c.name, f.category, fc.label,
           f.summary, s.citation, ts_rank(f.search_vector, q.query)
    -- A longer text is never handed to the parser: it searches for nothing instead.
    FROM websearch_to_tsquery('english', CASE WHEN length(words) <= 1000 THEN words ELSE '' END) AS q(query)
    JOIN tip.finding f ON f.search_vector @@ q.query
    JOIN tip.finding_category fc ON fc.category = f.category
    JOIN tip.source s ON s.source_id = f.source_id
    LEFT JOIN tip.country c ON c.iso3 = f.iso3;
END;
