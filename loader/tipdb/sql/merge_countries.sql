-- Countries and their regions from the staged countries file.
INSERT INTO tip.region (region)
SELECT DISTINCT region FROM stage
ON CONFLICT (region) DO NOTHING;

INSERT INTO tip.country AS c (iso3, name, region, subregion, load_run_id)
SELECT iso3, name, region, subregion, %(load_run_id)s FROM stage
ON CONFLICT (iso3) DO UPDATE
    SET name = EXCLUDED.name, region = EXCLUDED.region, subregion = EXCLUDED.subregion,
        load_run_id = EXCLUDED.load_run_id
    WHERE (c.name, c.region, c.subregion) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.region, EXCLUDED.subregion)
RETURNING (xmax = 0) AS inserted;
