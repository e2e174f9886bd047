-- The check rules read the derived placement counts and history instead of recomputing them from every
-- placement on each call: analytics.coverage runs every rule on each read, and at 100x the data (422,340
-- placements) the rules took 3.8 s, almost all of it counting tip.ranking per year and tier and redoing the
-- per-country window functions tip.ranking_history already holds. Same rows, same outcomes, same details.
-- tip.placement_count and tip.ranking_history are kept equal to tip.ranking by tip.refresh_ranking_history in
-- the transaction of every load that changes them (0030), so a rule reading them sees what it would have
-- computed; they are core-layer derived tables, and no rule reads the analytics views.
-- Two partial indexes on tip.ranking_history serve the rules that need a few of its rows: changes of
-- tier (tier_skipped, the moved-up part of the Special Watch List) and long Watch List runs
-- (watch_list_streak_without_waiver). The table is rewritten by the refresh only; creating the indexes
-- blocks a refresh, never a reader.
-- depends: 0041_coverage_checks 0043_bounded_function_inputs

CREATE INDEX ranking_history_change_idx ON tip.ranking_history (previous_tier, tier, report_year)
    INCLUDE (iso3) WHERE previous_tier <> tier;
COMMENT ON INDEX tip.ranking_history_change_idx IS 'Placements whose tier differs from the one in the preceding report, by the two tiers and the year: the check rules tier_skipped and special_watch_list_size read these, a fraction of the table.';

CREATE INDEX ranking_history_watch_list_run_idx ON tip.ranking_history (reports_on_tier, report_year)
    INCLUDE (iso3, tier_since) WHERE tier = '2WL';
COMMENT ON INDEX tip.ranking_history_watch_list_run_idx IS 'Tier 2 Watch List placements by the length of their run so far: the check rule watch_list_streak_without_waiver reads the long runs from it alone.';

-- Placements per year from tip.placement_count (a few hundred rows) rather than by counting tip.ranking.
CREATE OR REPLACE VIEW tip.check_year AS
SELECT r.report_year,
       lag(r.report_year) OVER (ORDER BY r.report_year) AS previous_report_year,
       coalesce(k.placements, 0) AS placements,
       r.countries_ranked AS published_total,
       coalesce(k.placements, 0) >= r.countries_ranked AS complete
FROM tip.report r
LEFT JOIN (SELECT report_year, sum(placements)::bigint AS placements FROM tip.placement_count GROUP BY report_year) k
       USING (report_year);

CREATE OR REPLACE VIEW tip.check_tier_counts_vs_published AS
WITH published AS (
    SELECT p.report_year, p.tier_code, p.count
    FROM tip.published_tier_count p JOIN tip.source s USING (source_id)
    WHERE s.citation NOT LIKE '%CONFLICT%'
), loaded AS (
    SELECT report_year, tier_code, placements::bigint AS placements FROM tip.placement_count
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
    SELECT report_year, tier_code, placements::bigint AS placements FROM tip.placement_count
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

-- previous_tier is the tier in the immediately preceding report (NULL without a placement there): the
-- lag over the country's placements the rule computed, where the year before it is the preceding report.
CREATE OR REPLACE VIEW tip.check_tier_skipped AS
WITH report_sequence AS (
    SELECT report_year, lag(report_year) OVER (ORDER BY report_year) AS previous_report_year FROM tip.report
)
SELECT h.report_year, h.iso3, 'failed' AS outcome,
       format('%s in %s, %s in %s', pt.label, s.previous_report_year, t.label, h.report_year) AS detail
FROM tip.tier t
JOIN tip.tier pt ON abs(t.level - pt.level) > 1
-- OFFSET 0 keeps the subquery a scan of the change index per pair of tiers: the planner cannot estimate
-- previous_tier <> tier and would otherwise read the whole table.
CROSS JOIN LATERAL (
    SELECT h.report_year, h.iso3 FROM tip.ranking_history h
    WHERE h.tier = t.tier_code AND h.previous_tier = pt.tier_code AND h.previous_tier <> h.tier
    OFFSET 0
) h
JOIN report_sequence s ON s.report_year = h.report_year;

-- The Watch List runs of tip.ranking_history (tier_since, reports_on_tier) cut at the first report an
-- automatic-downgrade rule governs: the run the rule counted with its own gaps and islands.
CREATE OR REPLACE VIEW tip.check_watch_list_streak_without_waiver AS
WITH rules AS (
    SELECT w.rule_id, w.effective_from_report_year AS from_year,
           coalesce(w.effective_to_report_year, 9999) AS to_year,
           w.consecutive_years_on_watch_list AS trigger_years, w.waiver_years
    FROM tip.watch_list_rule w
    WHERE w.consecutive_years_on_watch_list IS NOT NULL AND w.effective_from_report_year IS NOT NULL
), numbered AS (
    SELECT report_year, row_number() OVER (ORDER BY report_year) AS report_number FROM tip.report
), counted_from AS (
    -- The first report any rule governs ("2 consecutive years after December 23, 2008").
    SELECT min(report_year) AS report_year FROM tip.report WHERE report_year >= (SELECT min(from_year) FROM rules)
), runs AS (
    -- reports_before <= reports_on_tier - 1, so only runs longer than the smallest trigger can fail.
    SELECT h.report_year, h.iso3, greatest(h.tier_since, f.report_year) AS run_since
    FROM tip.ranking_history h
    CROSS JOIN counted_from f
    WHERE h.tier = '2WL' AND h.report_year >= f.report_year
      AND h.reports_on_tier > (SELECT min(trigger_years) FROM rules)
), counted AS (
    SELECT s.report_year, s.iso3, s.run_since, n.report_number - since.report_number AS reports_before,
           -- IN inside an expression is a hashed lookup of the waivers, whatever the row estimates.
           (s.report_year, s.iso3) IN (SELECT report_year, iso3 FROM tip.list_membership
                                       WHERE list_code = 'auto_downgrade_waiver') AS waived
    FROM runs s
    JOIN numbered n ON n.report_year = s.report_year
    JOIN numbered since ON since.report_year = s.run_since
)
SELECT s.report_year, s.iso3, 'failed' AS outcome,
       CASE WHEN s.reports_before >= g.trigger_years + g.waiver_years
            THEN format('on the Tier 2 Watch List in %s consecutive reports since %s: beyond the %s that trigger the automatic downgrade plus a waiver of up to %s year(s) (rule %s)%s',
                        s.reports_before + 1, s.run_since, g.trigger_years, g.waiver_years, g.rule_id,
                        CASE WHEN NOT s.waived THEN '; no waiver loaded' ELSE '' END)
            ELSE format('on the Tier 2 Watch List in %s consecutive reports since %s, past the %s that trigger the automatic downgrade (rule %s), and no waiver is loaded for this report',
                        s.reports_before + 1, s.run_since, g.trigger_years, g.rule_id) END AS detail
FROM counted s
JOIN rules g ON s.report_year BETWEEN g.from_year AND g.to_year
WHERE s.reports_before >= g.trigger_years
  AND (NOT s.waived OR s.reports_before >= g.trigger_years + g.waiver_years)
UNION ALL
SELECT r.report_year, NULL, 'not_checkable', 'no automatic-downgrade rule governs this report'
FROM tip.report r
WHERE NOT EXISTS (SELECT FROM rules g WHERE r.report_year BETWEEN g.from_year AND g.to_year);

-- On the Watch List: tip.placement_count. Moved up: placements whose tier of the law is lower than their
-- previous_tier's (the placement in the preceding report), read from the tier-change index.
CREATE OR REPLACE VIEW tip.special_watch_list AS
WITH on_watch_list AS (
    SELECT report_year, placements::bigint AS on_watch_list FROM tip.placement_count WHERE tier_code = '2WL'
), moved_up AS (
    -- A country that moved up to the Watch List is on the list as a Watch List country already.
    SELECT h.report_year, count(*) AS moved_up
    FROM tip.tier t
    JOIN tip.tier before ON t.level < before.level
    JOIN tip.ranking_history h ON h.tier = t.tier_code AND h.previous_tier = before.tier_code AND h.previous_tier <> h.tier
    WHERE t.tier_code <> '2WL'
    GROUP BY h.report_year
)
SELECT r.report_year,
       coalesce(o.on_watch_list, 0) AS on_watch_list,
       coalesce(m.moved_up, 0) AS moved_up,
       coalesce(o.on_watch_list, 0) + coalesce(m.moved_up, 0) AS computed_size,
       w.special_watch_list AS published_size,
       w.on_watch_list AS published_on_watch_list,
       w.moved_up AS published_moved_up,
       w.source_id
FROM tip.report r
LEFT JOIN on_watch_list o USING (report_year)
LEFT JOIN moved_up m USING (report_year)
LEFT JOIN tip.special_watch_list_count w USING (report_year);
