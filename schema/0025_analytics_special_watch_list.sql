-- The Special Watch List computed from the placements, beside the size the interim assessments published.
-- depends: 0024_tier_levels
CREATE VIEW analytics.special_watch_list AS
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
       coalesce(c.on_watch_list, 0) + coalesce(c.moved_up, 0) = w.special_watch_list AS matches_published,
       s.citation AS source
FROM tip.report r
LEFT JOIN computed c USING (report_year)
LEFT JOIN tip.special_watch_list_count w USING (report_year)
LEFT JOIN tip.source s ON s.source_id = w.source_id;
COMMENT ON VIEW analytics.special_watch_list IS 'Grain: one row per report year. The Special Watch List (Tier 2 Watch List countries plus countries that moved up a full tier) computed from the placements loaded, beside the size an interim assessment published. A year or the year before it with missing placements can make the computed size too small.';
COMMENT ON COLUMN analytics.special_watch_list.report_year IS 'Report whose placements make the list.';
COMMENT ON COLUMN analytics.special_watch_list.on_watch_list IS 'Countries on the Tier 2 Watch List in the report, as loaded.';
COMMENT ON COLUMN analytics.special_watch_list.moved_up IS 'Countries (not on the Watch List) whose tier of the law (tip.tier.level: Tier 2 includes the Watch List) is lower than in the preceding report: Tier 2 or Watch List to Tier 1, Tier 3 to Tier 2 or 1.';
COMMENT ON COLUMN analytics.special_watch_list.computed_size IS 'on_watch_list + moved_up.';
COMMENT ON COLUMN analytics.special_watch_list.published_size IS 'Size the interim assessment on this report published; NULL where none was found.';
COMMENT ON COLUMN analytics.special_watch_list.published_on_watch_list IS 'Of those, Watch List countries, where the source says.';
COMMENT ON COLUMN analytics.special_watch_list.published_moved_up IS 'Of those, countries that moved up a full tier, where the source says.';
COMMENT ON COLUMN analytics.special_watch_list.matches_published IS 'Whether computed_size equals published_size; NULL without a published size.';
COMMENT ON COLUMN analytics.special_watch_list.source IS 'Citation of the published size.';
