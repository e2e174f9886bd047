-- The Special Watch List computed from the placements, side by side with its published size
-- (tip.special_watch_list_count, loaded since 0021): for BI users as analytics.special_watch_list,
-- and as the rule special_watch_list_size of tipdb check.
-- depends: 0042_coverage_checks
CREATE VIEW tip.special_watch_list_size AS
WITH placed AS (
    SELECT r.report_year, r.iso3, r.tier_code, t.statutory_tier FROM tip.ranking r JOIN tip.tier t USING (tier_code)
), computed AS (
    -- 22 U.S.C. 7107(b)(2)(A): (i) Tier 2 to Tier 1, (ii) Tier 3 to Tier 2 (the law's lists, so the Watch List
    -- counts as Tier 2), (iii) the Tier 2 Watch List itself.
    SELECT p.report_year,
           count(*) FILTER (WHERE p.tier_code = '2WL') AS on_watch_list,
           count(*) FILTER (WHERE p.tier_code <> '2WL' AND b.statutory_tier - p.statutory_tier = 1) AS moved_up
    FROM tip.check_year y
    JOIN placed p ON p.report_year = y.report_year
    LEFT JOIN placed b ON b.report_year = y.previous_report_year AND b.iso3 = p.iso3
    GROUP BY p.report_year
)
SELECT y.report_year,
       coalesce(c.on_watch_list, 0) + coalesce(c.moved_up, 0) AS special_watch_list,
       coalesce(c.on_watch_list, 0) AS on_watch_list,
       coalesce(c.moved_up, 0) AS moved_up,
       s.special_watch_list AS published_special_watch_list,
       s.on_watch_list AS published_on_watch_list,
       s.moved_up AS published_moved_up,
       y.complete AND py.complete AS placements_complete,
       s.source_id
FROM tip.check_year y
LEFT JOIN tip.check_year py ON py.report_year = y.previous_report_year
LEFT JOIN computed c ON c.report_year = y.report_year
LEFT JOIN tip.special_watch_list_count s ON s.report_year = y.report_year;
COMMENT ON VIEW tip.special_watch_list_size IS 'Grain: one row per report year. The Special Watch List computed from the placements and its published size; read it as analytics.special_watch_list.';
COMMENT ON COLUMN tip.special_watch_list_size.report_year IS 'Report year whose placements make the list.';
COMMENT ON COLUMN tip.special_watch_list_size.special_watch_list IS 'Countries on the Special Watch List computed from the placements: on_watch_list + moved_up.';
COMMENT ON COLUMN tip.special_watch_list_size.on_watch_list IS 'Countries placed on the Tier 2 Watch List.';
COMMENT ON COLUMN tip.special_watch_list_size.moved_up IS 'Countries that moved up a full tier of the law from the report before: Tier 3 to Tier 2, or Tier 2 or the Watch List to Tier 1 (22 U.S.C. 7107(b)(2)(A)(i)-(ii)).';
COMMENT ON COLUMN tip.special_watch_list_size.published_special_watch_list IS 'Size published in the Interim Assessment on the report; NULL where none was found.';
COMMENT ON COLUMN tip.special_watch_list_size.published_on_watch_list IS 'Published Watch List part, where the source states it.';
COMMENT ON COLUMN tip.special_watch_list_size.published_moved_up IS 'Published moved-up part, where the source states it.';
COMMENT ON COLUMN tip.special_watch_list_size.placements_complete IS 'True when this report''s and the previous report''s placements are all loaded, so the computed list is complete; false when either falls short of its published total; NULL when either has none.';
COMMENT ON COLUMN tip.special_watch_list_size.source_id IS 'Source of the published figures (tip.source).';

CREATE VIEW tip.check_special_watch_list_size AS
WITH differences AS (
    SELECT report_year, placements_complete, 'Special Watch List' AS what, special_watch_list AS computed,
           published_special_watch_list AS published
    FROM tip.special_watch_list_size WHERE published_special_watch_list IS NOT NULL
    UNION ALL
    SELECT report_year, placements_complete, 'Tier 2 Watch List part', on_watch_list, published_on_watch_list
    FROM tip.special_watch_list_size WHERE published_on_watch_list IS NOT NULL
    UNION ALL
    SELECT report_year, placements_complete, 'moved-up part', moved_up, published_moved_up
    FROM tip.special_watch_list_size WHERE published_moved_up IS NOT NULL
)
SELECT d.report_year, NULL::text AS iso3,
       CASE WHEN d.computed > d.published OR d.placements_complete IS TRUE THEN 'failed' ELSE 'note' END AS outcome,
       format('%s: %s computed from the placements, %s published%s', d.what, d.computed, d.published,
              CASE WHEN d.computed < d.published AND d.placements_complete IS NOT TRUE
                   THEN ' (this report or the one before is incomplete)' ELSE '' END) AS detail
FROM differences d
WHERE d.computed <> d.published
UNION ALL
SELECT w.report_year, NULL, 'not_checkable', 'no published Special Watch List size for this report'
FROM tip.special_watch_list_size w
WHERE w.published_special_watch_list IS NULL;
COMMENT ON VIEW tip.check_special_watch_list_size IS 'Rule special_watch_list_size (tip.check_rule): reports whose Special Watch List computed from the placements differs from its published size (or from its published parts).';
COMMENT ON COLUMN tip.check_special_watch_list_size.report_year IS 'Report the finding is about.';
COMMENT ON COLUMN tip.check_special_watch_list_size.iso3 IS 'Always NULL: the finding is about a whole report.';
COMMENT ON COLUMN tip.check_special_watch_list_size.outcome IS 'failed: breaks the rule; note: an incompleteness shown, not a failure; not_checkable: nothing published to check this report against.';
COMMENT ON COLUMN tip.check_special_watch_list_size.detail IS 'What was found, with the figures compared.';

CREATE VIEW analytics.special_watch_list AS
SELECT w.report_year, make_date(w.report_year, 1, 1) AS report_year_date, w.special_watch_list, w.on_watch_list, w.moved_up,
       w.published_special_watch_list, w.published_on_watch_list, w.published_moved_up,
       CASE WHEN w.published_special_watch_list IS NOT NULL
            THEN w.special_watch_list = w.published_special_watch_list END AS matches_published,
       w.placements_complete,
       s.citation AS source
FROM tip.special_watch_list_size w
LEFT JOIN tip.source s ON s.source_id = w.source_id;
COMMENT ON VIEW analytics.special_watch_list IS 'Grain: one row per report year. The Special Watch List (Tier 2 Watch List countries plus countries that moved up a full tier) computed from the placements, side by side with the size published in the Interim Assessment.';
COMMENT ON COLUMN analytics.special_watch_list.report_year IS 'Report year whose placements make the list.';
COMMENT ON COLUMN analytics.special_watch_list.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.special_watch_list.special_watch_list IS 'Countries on the list, computed from the placements: on_watch_list + moved_up.';
COMMENT ON COLUMN analytics.special_watch_list.on_watch_list IS 'Countries placed on the Tier 2 Watch List.';
COMMENT ON COLUMN analytics.special_watch_list.moved_up IS 'Countries that moved up a full tier of the law: Tier 3 to Tier 2, or Tier 2 or the Watch List to Tier 1.';
COMMENT ON COLUMN analytics.special_watch_list.published_special_watch_list IS 'Size published in the Interim Assessment on the report; NULL where none was found.';
COMMENT ON COLUMN analytics.special_watch_list.published_on_watch_list IS 'Published Watch List part, where the source states it.';
COMMENT ON COLUMN analytics.special_watch_list.published_moved_up IS 'Published moved-up part, where the source states it.';
COMMENT ON COLUMN analytics.special_watch_list.matches_published IS 'Whether the computed size equals the published one; NULL without a published size.';
COMMENT ON COLUMN analytics.special_watch_list.placements_complete IS 'True when this report''s and the previous report''s placements are all loaded; false when either falls short of its published total (the computed list may be short); NULL when either has no published total.';
COMMENT ON COLUMN analytics.special_watch_list.source IS 'Citation of the published size.';
GRANT SELECT ON analytics.special_watch_list TO tip_reader;
