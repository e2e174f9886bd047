-- Annual reports.
INSERT INTO tip.report AS r (report_year, release_date, reporting_period_start, reporting_period_end,
                             countries_ranked, source_id, load_run_id)
SELECT s.report_year, s.release_date, s.reporting_period_start, s.reporting_period_end,
       s.countries_ranked, src.source_id, %(load_run_id)s
FROM stage s
JOIN tip.source src ON src.citation_md5 = md5(s.source)
ON CONFLICT (report_year) DO UPDATE
    SET release_date = EXCLUDED.release_date,
        reporting_period_start = EXCLUDED.reporting_period_start,
        reporting_period_end = EXCLUDED.reporting_period_end,
        countries_ranked = EXCLUDED.countries_ranked,
        source_id = EXCLUDED.source_id,
        load_run_id = EXCLUDED.load_run_id
    WHERE (r.release_date, r.reporting_period_start, r.reporting_period_end, r.countries_ranked, r.source_id)
          IS DISTINCT FROM
          (EXCLUDED.release_date, EXCLUDED.reporting_period_start, EXCLUDED.reporting_period_end,
           EXCLUDED.countries_ranked, EXCLUDED.source_id)
RETURNING (xmax = 0) AS inserted;
