-- Official list memberships, one row per stating source.
INSERT INTO tip.list_membership (report_year, list_code, iso3, source_id, load_run_id)
SELECT s.report_year, s.list, n.iso3, src.source_id, %(load_run_id)s
FROM stage s
JOIN tip.country_name n ON lower(n.name) = lower(s.country)
JOIN tip.source src ON src.citation_md5 = md5(s.source)
ON CONFLICT DO NOTHING
RETURNING true AS inserted;
