-- Global law-enforcement figures.
INSERT INTO tip.enforcement_stat AS e (report_year, data_year, prosecutions, prosecutions_labor, convictions,
                                       convictions_labor, victims_identified, victims_identified_labor,
                                       new_or_amended_legislation, source_id, load_run_id)
SELECT s.report_year, s.data_year, s.prosecutions, s.prosecutions_labor, s.convictions, s.convictions_labor,
       s.victims_identified, s.victims_identified_labor, s.new_or_amended_legislation, src.source_id,
       %(load_run_id)s
FROM stage s
JOIN tip.source src ON src.citation_md5 = md5(s.source)
ON CONFLICT (report_year) DO UPDATE
    SET data_year = EXCLUDED.data_year, prosecutions = EXCLUDED.prosecutions,
        prosecutions_labor = EXCLUDED.prosecutions_labor, convictions = EXCLUDED.convictions,
        convictions_labor = EXCLUDED.convictions_labor, victims_identified = EXCLUDED.victims_identified,
        victims_identified_labor = EXCLUDED.victims_identified_labor,
        new_or_amended_legislation = EXCLUDED.new_or_amended_legislation,
        source_id = EXCLUDED.source_id, load_run_id = EXCLUDED.load_run_id
    WHERE (e.data_year, e.prosecutions, e.prosecutions_labor, e.convictions, e.convictions_labor,
           e.victims_identified, e.victims_identified_labor, e.new_or_amended_legislation, e.source_id)
          IS DISTINCT FROM
          (EXCLUDED.data_year, EXCLUDED.prosecutions, EXCLUDED.prosecutions_labor, EXCLUDED.convictions,
           EXCLUDED.convictions_labor, EXCLUDED.victims_identified, EXCLUDED.victims_identified_labor,
           EXCLUDED.new_or_amended_legislation, EXCLUDED.source_id)
RETURNING (xmax = 0) AS inserted;
