-- The Special Watch List rule, now that its published sizes are loaded (tip.special_watch_list_count):
-- the list computed from the placements against the size the Interim Assessment published.
-- depends: 0042_coverage_checks
CREATE VIEW tip.check_special_watch_list_size AS
WITH placed AS (
    SELECT r.report_year, r.iso3, r.tier_code, t.statutory_tier FROM tip.ranking r JOIN tip.tier t USING (tier_code)
), computed AS (
    -- 22 U.S.C. 7107(b)(2)(A): (i) Tier 2 to Tier 1, (ii) Tier 3 to Tier 2 (the law's lists, so the Watch List
    -- counts as Tier 2), (iii) the Tier 2 Watch List itself.
    SELECT y.report_year,
           count(*) FILTER (WHERE p.tier_code = '2WL') AS on_watch_list,
           count(*) FILTER (WHERE p.tier_code <> '2WL' AND b.statutory_tier - p.statutory_tier = 1) AS moved_up
    FROM tip.check_year y
    JOIN placed p ON p.report_year = y.report_year
    LEFT JOIN placed b ON b.report_year = y.previous_report_year AND b.iso3 = p.iso3
    GROUP BY y.report_year
), compared AS (
    SELECT s.report_year, y.complete AND coalesce(py.complete, false) AS both_complete,
           c.on_watch_list + c.moved_up AS computed_size, s.special_watch_list AS published_size,
           c.on_watch_list, s.on_watch_list AS published_on_watch_list,
           c.moved_up, s.moved_up AS published_moved_up
    FROM tip.special_watch_list_count s
    JOIN tip.check_year y USING (report_year)
    LEFT JOIN tip.check_year py ON py.report_year = y.previous_report_year
    LEFT JOIN computed c ON c.report_year = s.report_year
), differences AS (
    SELECT report_year, both_complete, 'Special Watch List' AS what, coalesce(computed_size, 0) AS computed,
           published_size AS published
    FROM compared
    UNION ALL
    SELECT report_year, both_complete, 'Tier 2 Watch List part', coalesce(on_watch_list, 0), published_on_watch_list
    FROM compared WHERE published_on_watch_list IS NOT NULL
    UNION ALL
    SELECT report_year, both_complete, 'moved-up part', coalesce(moved_up, 0), published_moved_up
    FROM compared WHERE published_moved_up IS NOT NULL
)
SELECT d.report_year, NULL::text AS iso3,
       CASE WHEN d.computed > d.published OR d.both_complete THEN 'failed' ELSE 'note' END AS outcome,
       format('%s: %s computed from the placements, %s published%s', d.what, d.computed, d.published,
              CASE WHEN d.computed < d.published AND NOT d.both_complete
                   THEN ' (this report or the one before is incomplete)' ELSE '' END) AS detail
FROM differences d
WHERE d.computed <> d.published
UNION ALL
SELECT r.report_year, NULL, 'not_checkable', 'no published Special Watch List size for this report'
FROM tip.report r
WHERE NOT EXISTS (SELECT FROM tip.special_watch_list_count s WHERE s.report_year = r.report_year);
COMMENT ON VIEW tip.check_special_watch_list_size IS 'Rule special_watch_list_size (tip.check_rule): reports whose Special Watch List computed from the placements differs from its published size (or from its published parts).';
COMMENT ON COLUMN tip.check_special_watch_list_size.report_year IS 'Report the finding is about.';
COMMENT ON COLUMN tip.check_special_watch_list_size.iso3 IS 'Always NULL: the finding is about a whole report.';
COMMENT ON COLUMN tip.check_special_watch_list_size.outcome IS 'failed: breaks the rule; note: an incompleteness shown, not a failure; not_checkable: nothing published to check this report against.';
COMMENT ON COLUMN tip.check_special_watch_list_size.detail IS 'What was found, with the figures compared.';
