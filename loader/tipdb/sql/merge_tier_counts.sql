-- Published per-tier counts.
INSERT INTO tip.published_tier_count AS t (report_year, tier_code, count, source_id, load_run_id)
SELECT s.report_year, s.tier, s.count, src.source_id, %(load_run_id)s
FROM stage s
JOIN tip.source src ON src.citation_md5 = md5(s.source)
ON CONFLICT (report_year, tier_code, source_id) DO UPDATE
    SET count = EXCLUDED.count, load_run_id = EXCLUDED.load_run_id
    WHERE t.count IS DISTINCT FROM EXCLUDED.count
RETURNING (xmax = 0) AS inserted;
