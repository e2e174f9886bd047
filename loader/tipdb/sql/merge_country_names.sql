-- Spellings of country names.
INSERT INTO tip.country_name AS n (name, iso3, load_run_id)
SELECT name_in_report, iso3, %(load_run_id)s FROM stage
ON CONFLICT (name) DO UPDATE
    SET iso3 = EXCLUDED.iso3, load_run_id = EXCLUDED.load_run_id
    WHERE n.iso3 IS DISTINCT FROM EXCLUDED.iso3
RETURNING (xmax = 0) AS inserted;
