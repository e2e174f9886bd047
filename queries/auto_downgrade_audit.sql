-- name: auto_downgrade_audit
-- description: For each report year governed by an automatic-downgrade rule (read from analytics.watch_list_rules), every country that had reached the rule's number of consecutive Watch List years, and what happened next: downgraded, waived, upgraded, or unexplained by the loaded data.
-- grain: one row per country per report year in which it faced the automatic downgrade
-- param: from_year integer | first report year (default: the first governed by a rule)
-- param: to_year integer | last report year (default: the latest report)
-- The waiver is a hashed lookup (IN inside an expression) rather than a join, so that the rows keep the order of
-- the report years they are read in and are sorted year by year.
WITH years AS (
    SELECT report_year, lag(report_year) OVER (ORDER BY report_year) AS previous_year
    FROM analytics.reports
), rule_in_force AS (
    SELECT y.report_year, y.previous_year, w.rule_id, w.consecutive_years_on_watch_list AS threshold
    FROM years y
    JOIN analytics.watch_list_rules w
      ON y.report_year BETWEEN w.effective_from_report_year AND coalesce(w.effective_to_report_year, 9999)
    WHERE w.consecutive_years_on_watch_list IS NOT NULL
      AND y.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
)
SELECT f.report_year, before.country, before.reports_on_tier AS watch_list_years_before, f.rule_id,
       before.next_tier AS tier,
       CASE
           WHEN nt.tier IS NULL THEN 'unexplained: no placement loaded'
           WHEN nt.tier_ordinal > wl.tier_ordinal THEN 'downgraded'
           WHEN nt.tier_ordinal < wl.tier_ordinal THEN 'upgraded'
           WHEN nt.tier = wl.tier
                AND (before.iso3, f.report_year) IN (SELECT w.iso3, w.report_year FROM analytics.designations w
                                                     WHERE w.list_code = 'auto_downgrade_waiver') THEN 'waived'
           WHEN nt.tier = wl.tier THEN 'unexplained: still on the Watch List, no waiver loaded'
           ELSE 'unexplained: placed as ' || nt.tier
       END AS outcome
FROM rule_in_force f
JOIN analytics.tiers wl ON wl.tier = '2WL'
JOIN analytics.rankings before
  ON before.report_year = f.previous_year AND before.tier = wl.tier AND before.reports_on_tier >= f.threshold
LEFT JOIN analytics.tiers nt ON nt.tier = before.next_tier
ORDER BY f.report_year, outcome, before.country
