-- Versions of the Watch List rules.
INSERT INTO tip.watch_list_rule AS w (rule_id, effective_from_report_year, effective_to_report_year,
                                      consecutive_years_on_watch_list, max_waivers, waiver_years, summary,
                                      legal_source, source_id, load_run_id)
SELECT s.rule_id, s.effective_from_report_year, s.effective_to_report_year, s.consecutive_years_on_watch_list,
       s.max_waivers, s.waiver_years, s.summary, s.legal_source, src.source_id, %(load_run_id)s
FROM stage s
JOIN tip.source src ON src.citation_md5 = md5(s.source)
ON CONFLICT (rule_id) DO UPDATE
    SET effective_from_report_year = EXCLUDED.effective_from_report_year,
        effective_to_report_year = EXCLUDED.effective_to_report_year,
        consecutive_years_on_watch_list = EXCLUDED.consecutive_years_on_watch_list,
        max_waivers = EXCLUDED.max_waivers, waiver_years = EXCLUDED.waiver_years, summary = EXCLUDED.summary,
        legal_source = EXCLUDED.legal_source, source_id = EXCLUDED.source_id, load_run_id = EXCLUDED.load_run_id
    WHERE (w.effective_from_report_year, w.effective_to_report_year, w.consecutive_years_on_watch_list,
           w.max_waivers, w.waiver_years, w.summary, w.legal_source, w.source_id)
          IS DISTINCT FROM
          (EXCLUDED.effective_from_report_year, EXCLUDED.effective_to_report_year,
           EXCLUDED.consecutive_years_on_watch_list, EXCLUDED.max_waivers, EXCLUDED.waiver_years,
           EXCLUDED.summary, EXCLUDED.legal_source, EXCLUDED.source_id)
RETURNING (xmax = 0) AS inserted;
