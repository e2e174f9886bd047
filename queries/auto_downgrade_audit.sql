-- name: auto_downgrade_audit
-- description: For each report year governed by an automatic-downgrade rule (read from analytics.watch_list_rules), every country that had reached the rule's number of consecutive Watch List years, and what happened next: downgraded, waived, upgraded, or unexplained by the loaded data.
-- grain: one row per country per report year in which it faced the automatic downgrade
-- param: from_year integer | first report year (default: the first governed by a rule)
-- param: to_year integer | last report year (default: the latest report)
WITH numbered AS (
    SELECT report_year, row_number() OVER (ORDER BY report_year) AS report_number
    FROM analytics.reports
), rule_in_force AS (
    SELECT n.report_year, n.report_number, w.rule_id, w.consecutive_years_on_watch_list AS threshold
    FROM numbered n
    JOIN analytics.watch_list_rules w
      ON n.report_year BETWEEN w.effective_from_report_year AND coalesce(w.effective_to_report_year, 9999)
    WHERE w.consecutive_years_on_watch_list IS NOT NULL
), watch_list AS (
    SELECT r.iso3, r.country, n.report_number,
           n.report_number - row_number() OVER (PARTITION BY r.iso3 ORDER BY r.report_year) AS island
    FROM analytics.rankings r JOIN numbered n USING (report_year)
    WHERE r.tier = '2WL'
), streaks AS (
    -- For each Watch List placement, how many consecutive Watch List reports end with it.
    SELECT iso3, country, report_number,
           row_number() OVER (PARTITION BY iso3, island ORDER BY report_number) AS consecutive_years
    FROM watch_list
)
SELECT f.report_year, s.country, s.consecutive_years AS watch_list_years_before, f.rule_id,
       now_placed.tier,
       CASE
           WHEN now_placed.tier = '3' THEN 'downgraded'
           WHEN now_placed.tier IN ('1', '2') THEN 'upgraded'
           WHEN now_placed.tier = '2WL' AND waiver.iso3 IS NOT NULL THEN 'waived'
           WHEN now_placed.tier = '2WL' THEN 'unexplained: still on the Watch List, no waiver loaded'
           WHEN now_placed.tier IS NULL THEN 'unexplained: no placement loaded'
           ELSE 'unexplained: ' || now_placed.tier_label
       END AS outcome
FROM rule_in_force f
JOIN streaks s ON s.report_number = f.report_number - 1 AND s.consecutive_years >= f.threshold
LEFT JOIN analytics.rankings now_placed ON now_placed.iso3 = s.iso3 AND now_placed.report_year = f.report_year
LEFT JOIN analytics.designations waiver
       ON waiver.iso3 = s.iso3 AND waiver.report_year = f.report_year AND waiver.list_code = 'auto_downgrade_waiver'
WHERE f.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
ORDER BY f.report_year, outcome, s.country
