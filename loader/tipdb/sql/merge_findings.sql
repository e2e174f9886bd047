-- Findings; a NULL country is a report-wide finding.
INSERT INTO tip.finding AS f (report_year, iso3, category, summary, source_id, load_run_id)
SELECT s.report_year, n.iso3, s.category, s.finding, src.source_id, %(load_run_id)s
FROM stage s
LEFT JOIN tip.country_name n ON lower(n.name) = lower(s.country)
JOIN tip.source src ON src.citation_md5 = md5(s.source)
ON CONFLICT ON CONSTRAINT finding_natural_key DO UPDATE
    SET source_id = EXCLUDED.source_id, load_run_id = EXCLUDED.load_run_id
    WHERE f.source_id IS DISTINCT FROM EXCLUDED.source_id
RETURNING (xmax = 0) AS inserted;
