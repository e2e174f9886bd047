-- Placements left out because sources disagree.
INSERT INTO tip.ranking_conflict (report_year, iso3, tier_code, source_id, load_run_id)
SELECT s.report_year, n.iso3, s.tier, src.source_id, %(load_run_id)s
FROM stage s
JOIN tip.country_name n ON lower(n.name) = lower(s.country)
JOIN tip.source src ON src.citation_md5 = md5(s.source)
ON CONFLICT DO NOTHING
RETURNING true AS inserted;
