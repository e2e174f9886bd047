DROP VIEW analytics.check_results;
DROP VIEW analytics.check_rules;
DROP FUNCTION tip.check_findings();
DROP VIEW tip.check_special_watch_list_size;
-- analytics.special_watch_list computes the list itself again, as 0031 made it.
CREATE OR REPLACE VIEW analytics.special_watch_list AS
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
       make_date(r.report_year, 1, 1) AS report_year_date,
       coalesce(c.on_watch_list, 0) AS on_watch_list,
       coalesce(c.moved_up, 0) AS moved_up,
       coalesce(c.on_watch_list, 0) + coalesce(c.moved_up, 0) AS computed_size,
       w.special_watch_list AS published_size,
       w.on_watch_list AS published_on_watch_list,
       w.moved_up AS published_moved_up,
       coalesce(c.on_watch_list, 0) + coalesce(c.moved_up, 0) = w.special_watch_list AS matches_published,
       s.citation AS source
FROM tip.report r
LEFT JOIN computed c USING (report_year)
LEFT JOIN tip.special_watch_list_count w USING (report_year)
LEFT JOIN tip.source s ON s.source_id = w.source_id;
DROP VIEW tip.special_watch_list;
DROP VIEW tip.check_conflict_note_contradicts_placement;
DROP VIEW tip.check_listed_country_not_placed;
DROP VIEW tip.check_tier_skipped;
DROP VIEW tip.check_state_sponsored_not_on_tier_3;
DROP VIEW tip.check_watch_list_streak_without_waiver;
DROP VIEW tip.check_waiver_not_on_watch_list;
DROP VIEW tip.check_published_count_in_conflict;
DROP VIEW tip.check_tier_counts_vs_published;
DROP VIEW tip.check_placements_vs_published_total;
DROP VIEW tip.check_year;
DROP TABLE tip.check_rule;
