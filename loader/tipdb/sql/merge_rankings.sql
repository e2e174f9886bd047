-- Tier placements.
INSERT INTO tip.ranking AS r (report_year, iso3, tier_code, source_id, load_run_id)
SELECT s.report_year, n.iso3, s.tier, src.source_id, %(load_run_id)s
FROM stage s
JOIN tip.country_name n ON lower(n.name) = lower(s.country)
JOIN tip.source src ON src.citation_md5 = md5(s.source)
ON CONFLICT (report_year, iso3) DO UPDATE
    SET tier_code = EXCLUDED.tier_code, source_id = EXCLUDED.source_id, load_run_id = EXCLUDED.load_run_id
    WHERE (r.tier_code, r.source_id) IS DISTINCT FROM (EXCLUDED.tier_code, EXCLUDED.source_id)
RETURNING (xmax = 0) AS inserted;
