-- The rules read tip.ranking again, as 0040 made them.

CREATE OR REPLACE VIEW tip.check_year AS
SELECT r.report_year,
       lag(r.report_year) OVER (ORDER BY r.report_year) AS previous_report_year,
       coalesce(k.placements, 0) AS placements,
       r.countries_ranked AS published_total,
       coalesce(k.placements, 0) >= r.countries_ranked AS complete
FROM tip.report r
LEFT JOIN (SELECT report_year, count(*) AS placements FROM tip.ranking GROUP BY report_year) k USING (report_year);

CREATE OR REPLACE VIEW tip.check_tier_counts_vs_published AS
WITH published AS (
    SELECT p.report_year, p.tier_code, p.count
    FROM tip.published_tier_count p JOIN tip.source s USING (source_id)
    WHERE s.citation NOT LIKE '%CONFLICT%'
), loaded AS (
    SELECT report_year, tier_code, count(*) AS placements FROM tip.ranking GROUP BY report_year, tier_code
)
SELECT p.report_year, NULL::text AS iso3,
       CASE WHEN coalesce(l.placements, 0) > p.count OR y.complete THEN 'failed' ELSE 'note' END AS outcome,
       CASE WHEN coalesce(l.placements, 0) > p.count
                THEN format('%s: %s placements loaded, more than the %s published', t.label, coalesce(l.placements, 0), p.count)
            WHEN y.complete
                THEN format('%s: %s placements loaded but %s published, in a report whose placements are all loaded',
                            t.label, coalesce(l.placements, 0), p.count)
            ELSE format('incomplete: %s: %s of the %s published placements loaded', t.label, coalesce(l.placements, 0), p.count)
       END AS detail
FROM published p
JOIN tip.tier t USING (tier_code)
JOIN tip.check_year y USING (report_year)
LEFT JOIN loaded l USING (report_year, tier_code)
WHERE coalesce(l.placements, 0) <> p.count
UNION ALL
SELECT r.report_year, NULL, 'not_checkable', 'no per-tier count published for this report (none not marked CONFLICT)'
FROM tip.report r
WHERE NOT EXISTS (SELECT FROM published p WHERE p.report_year = r.report_year);

CREATE OR REPLACE VIEW tip.check_published_count_in_conflict AS
WITH counts AS (
    SELECT p.report_year, p.tier_code, p.count, s.citation, s.citation LIKE '%CONFLICT%' AS marked
    FROM tip.published_tier_count p JOIN tip.source s USING (source_id)
), loaded AS (
    SELECT report_year, tier_code, count(*) AS placements FROM tip.ranking GROUP BY report_year, tier_code
)
SELECT c.report_year, NULL::text AS iso3, 'failed' AS outcome,
       format('%s: a source published %s, %s placements loaded; its note: %s',
              t.label, c.count, coalesce(l.placements, 0), left(substr(c.citation, strpos(c.citation, 'CONFLICT')), 200)) AS detail
FROM counts c
JOIN tip.tier t USING (tier_code)
LEFT JOIN loaded l USING (report_year, tier_code)
WHERE c.marked
UNION ALL
SELECT c.report_year, NULL, 'failed',
       format('%s: sources published different counts (%s)', t.label, string_agg(DISTINCT c.count::text, ', '))
FROM counts c
JOIN tip.tier t USING (tier_code)
WHERE NOT c.marked
GROUP BY c.report_year, t.label
HAVING count(DISTINCT c.count) > 1;

CREATE OR REPLACE VIEW tip.check_watch_list_streak_without_waiver AS
WITH rules AS (
    SELECT w.rule_id, w.effective_from_report_year AS from_year,
           coalesce(w.effective_to_report_year, 9999) AS to_year,
           w.consecutive_years_on_watch_list AS trigger_years, w.waiver_years
    FROM tip.watch_list_rule w
    WHERE w.consecutive_years_on_watch_list IS NOT NULL AND w.effective_from_report_year IS NOT NULL
), numbered AS (
    SELECT report_year, row_number() OVER (ORDER BY report_year) AS report_number FROM tip.report
), watch_list AS (
    -- Gaps and islands: consecutive reports on the Watch List share run_key. Counted from the first report
    -- any automatic-downgrade rule governs ("2 consecutive years after December 23, 2008").
    SELECT r.report_year, r.iso3,
           n.report_number - row_number() OVER (PARTITION BY r.iso3 ORDER BY r.report_year) AS run_key
    FROM tip.ranking r JOIN numbered n USING (report_year)
    WHERE r.tier_code = '2WL' AND r.report_year >= (SELECT min(from_year) FROM rules)
), runs AS (
    SELECT report_year, iso3,
           row_number() OVER (PARTITION BY iso3, run_key ORDER BY report_year) - 1 AS reports_before,
           min(report_year) OVER (PARTITION BY iso3, run_key) AS run_since
    FROM watch_list
)
SELECT s.report_year, s.iso3, 'failed' AS outcome,
       CASE WHEN s.reports_before >= g.trigger_years + g.waiver_years
            THEN format('on the Tier 2 Watch List in %s consecutive reports since %s: beyond the %s that trigger the automatic downgrade plus a waiver of up to %s year(s) (rule %s)%s',
                        s.reports_before + 1, s.run_since, g.trigger_years, g.waiver_years, g.rule_id,
                        CASE WHEN waiver.iso3 IS NULL THEN '; no waiver loaded' ELSE '' END)
            ELSE format('on the Tier 2 Watch List in %s consecutive reports since %s, past the %s that trigger the automatic downgrade (rule %s), and no waiver is loaded for this report',
                        s.reports_before + 1, s.run_since, g.trigger_years, g.rule_id) END AS detail
FROM runs s
JOIN rules g ON s.report_year BETWEEN g.from_year AND g.to_year
LEFT JOIN (SELECT DISTINCT report_year, iso3 FROM tip.list_membership WHERE list_code = 'auto_downgrade_waiver') waiver
       USING (report_year, iso3)
WHERE s.reports_before >= g.trigger_years
  AND (waiver.iso3 IS NULL OR s.reports_before >= g.trigger_years + g.waiver_years)
UNION ALL
SELECT r.report_year, NULL, 'not_checkable', 'no automatic-downgrade rule governs this report'
FROM tip.report r
WHERE NOT EXISTS (SELECT FROM rules g WHERE r.report_year BETWEEN g.from_year AND g.to_year);

CREATE OR REPLACE VIEW tip.check_tier_skipped AS
WITH placed AS (
    SELECT r.report_year, r.iso3, t.label, t.level,
           lag(r.report_year) OVER by_country AS last_year,
           lag(t.level) OVER by_country AS last_level,
           lag(t.label) OVER by_country AS last_label
    FROM tip.ranking r JOIN tip.tier t USING (tier_code)
    WINDOW by_country AS (PARTITION BY r.iso3 ORDER BY r.report_year)
)
SELECT p.report_year, p.iso3, 'failed' AS outcome,
       format('%s in %s, %s in %s', p.last_label, p.last_year, p.label, p.report_year) AS detail
FROM placed p
JOIN tip.check_year y ON y.report_year = p.report_year AND y.previous_report_year = p.last_year
WHERE abs(p.level - p.last_level) > 1;

CREATE OR REPLACE VIEW tip.special_watch_list AS
WITH report_sequence AS (
    SELECT report_year, lag(report_year) OVER (ORDER BY report_year) AS previous_report_year
    FROM tip.report
), placed AS (
    SELECT r.report_year, r.iso3, t.tier_code, t.level, s.previous_report_year
    FROM tip.ranking r
    JOIN tip.tier t USING (tier_code)
    JOIN report_sequence s USING (report_year)
), computed AS (
    SELECT p.report_year,
           count(*) FILTER (WHERE p.tier_code = '2WL') AS on_watch_list,
           -- A country that moved up to the Watch List is on the list as a Watch List country already.
           count(*) FILTER (WHERE p.tier_code <> '2WL' AND p.level < before.level) AS moved_up
    FROM placed p
    LEFT JOIN tip.ranking b ON b.report_year = p.previous_report_year AND b.iso3 = p.iso3
    LEFT JOIN tip.tier before ON before.tier_code = b.tier_code
    GROUP BY p.report_year
)
SELECT r.report_year,
       coalesce(c.on_watch_list, 0) AS on_watch_list,
       coalesce(c.moved_up, 0) AS moved_up,
       coalesce(c.on_watch_list, 0) + coalesce(c.moved_up, 0) AS computed_size,
       w.special_watch_list AS published_size,
       w.on_watch_list AS published_on_watch_list,
       w.moved_up AS published_moved_up,
       w.source_id
FROM tip.report r
LEFT JOIN computed c USING (report_year)
LEFT JOIN tip.special_watch_list_count w USING (report_year);

-- yoyo runs a rollback in a transaction, where DROP INDEX CONCURRENTLY cannot run; the lock is taken on a derived
-- table that only tip.refresh_ranking_history writes, for as long as dropping two small indexes takes.
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX tip.ranking_history_watch_list_run_idx;
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX tip.ranking_history_change_idx;
