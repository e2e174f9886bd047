-- Back to the materialized view of 0009 and the views that read the placements directly.
-- squawk-ignore-file ban-drop-view,ban-drop-table,ban-drop-function
DROP VIEW analytics.rankings;
DROP VIEW analytics.coverage;
DROP VIEW analytics.tier_counts;
DROP FUNCTION tip.refresh_ranking_history(text[]);
DROP FUNCTION tip.ranking_history_rows(text[]);
DROP TABLE tip.ranking_history;
DROP VIEW tip.report_completeness;
DROP TABLE tip.ranking_history_basis;
DROP TABLE tip.placement_count;

CREATE VIEW analytics.tier_counts AS
WITH loaded AS (
    SELECT report_year, tier_code, count(*) AS placements,
           count(*) FILTER (WHERE s.verification = 'derived') AS derived_placements
    FROM tip.ranking JOIN tip.source s USING (source_id)
    GROUP BY report_year, tier_code
), published AS (
    SELECT report_year, tier_code, min(count) AS published_min, max(count) AS published_max,
           count(*) AS published_sources
    FROM tip.published_tier_count
    GROUP BY report_year, tier_code
)
SELECT r.report_year, t.tier_code AS tier, t.label AS tier_label, t.ordinal AS tier_ordinal,
       coalesce(l.placements, 0) AS placements,
       coalesce(l.derived_placements, 0) AS derived_placements,
       CASE WHEN p.published_min = p.published_max THEN p.published_min END AS published_count,
       p.published_min IS DISTINCT FROM p.published_max AS published_counts_disagree,
       CASE WHEN p.published_min = p.published_max THEN coalesce(l.placements, 0) = p.published_min END
           AS matches_published
FROM tip.report r
CROSS JOIN tip.tier t
LEFT JOIN loaded l ON l.report_year = r.report_year AND l.tier_code = t.tier_code
LEFT JOIN published p ON p.report_year = r.report_year AND p.tier_code = t.tier_code;
COMMENT ON VIEW analytics.tier_counts IS 'Grain: one row per report year and tier, with the placements loaded and the count published, if any.';
COMMENT ON COLUMN analytics.tier_counts.report_year IS 'Report year.';
COMMENT ON COLUMN analytics.tier_counts.tier IS 'Tier code: 1, 2, 2WL, 3, special_case.';
COMMENT ON COLUMN analytics.tier_counts.tier_label IS 'Tier name as printed in the report.';
COMMENT ON COLUMN analytics.tier_counts.tier_ordinal IS 'Sort order, 1 (Tier 1) to 5 (Special Case).';
COMMENT ON COLUMN analytics.tier_counts.placements IS 'Placements on this tier loaded in tipdb.';
COMMENT ON COLUMN analytics.tier_counts.derived_placements IS 'Of those, placements derived from other statements rather than read.';
COMMENT ON COLUMN analytics.tier_counts.published_count IS 'Count a source published for this tier; NULL if none was found or sources disagree.';
COMMENT ON COLUMN analytics.tier_counts.published_counts_disagree IS 'True when two sources published different counts (both are in tip.published_tier_count).';
COMMENT ON COLUMN analytics.tier_counts.matches_published IS 'Whether placements equals published_count; NULL when there is no single published count.';

CREATE VIEW analytics.coverage AS
WITH loaded AS (
    SELECT report_year, count(*) AS placements,
           count(*) FILTER (WHERE s.verification = 'derived') AS derived_placements
    FROM tip.ranking JOIN tip.source s USING (source_id)
    GROUP BY report_year
), per_tier AS (
    SELECT report_year,
           count(*) FILTER (WHERE published_count IS NOT NULL) = 5 AS every_tier_published,
           bool_and(matches_published) FILTER (WHERE published_count IS NOT NULL) AS published_tiers_match,
           coalesce(bool_or(placements < published_count), false) AS some_tier_short
    FROM analytics.tier_counts
    GROUP BY report_year
)
SELECT r.report_year,
       coalesce(l.placements, 0) AS placements,
       coalesce(l.derived_placements, 0) AS derived_placements,
       r.countries_ranked AS published_total,
       CASE
           WHEN r.countries_ranked IS NOT NULL THEN coalesce(l.placements, 0) >= r.countries_ranked
           WHEN p.some_tier_short THEN false
           WHEN p.every_tier_published THEN p.published_tiers_match
       END AS complete,
       CASE WHEN r.countries_ranked > coalesce(l.placements, 0)
            THEN r.countries_ranked - coalesce(l.placements, 0) END AS missing_placements,
       p.published_tiers_match
FROM tip.report r
LEFT JOIN loaded l USING (report_year)
LEFT JOIN per_tier p USING (report_year);
COMMENT ON VIEW analytics.coverage IS 'Grain: one row per report year. How far each year''s placements can be trusted: loaded against published totals.';
COMMENT ON COLUMN analytics.coverage.report_year IS 'Report year.';
COMMENT ON COLUMN analytics.coverage.placements IS 'Placements loaded for the year.';
COMMENT ON COLUMN analytics.coverage.derived_placements IS 'Of those, placements derived from other statements rather than read.';
COMMENT ON COLUMN analytics.coverage.published_total IS 'Countries the report placed, as a source states it; NULL where unknown.';
COMMENT ON COLUMN analytics.coverage.complete IS 'True when every published placement is loaded; false when the loaded placements fall short of a published total or tier count; NULL when nothing published allows checking (2021: no total was found).';
COMMENT ON COLUMN analytics.coverage.missing_placements IS 'Published total minus placements loaded, where positive.';
COMMENT ON COLUMN analytics.coverage.published_tiers_match IS 'Whether every tier with a single published count has exactly that many placements; NULL if no tier count was published.';

-- Tier changes need window functions over every country's whole history, which is too slow to
-- recompute per query at scale; the loader refreshes this materialized view in each load transaction.
CREATE MATERIALIZED VIEW tip.ranking_history AS
WITH report_sequence AS (
    SELECT report_year,
           lag(report_year) OVER (ORDER BY report_year) AS previous_report_year,
           lead(report_year) OVER (ORDER BY report_year) AS next_report_year,
           row_number() OVER (ORDER BY report_year) AS report_number
    FROM tip.report
), history AS (
    SELECT r.report_year, r.iso3, r.tier_code, r.source_id, rs.previous_report_year, rs.next_report_year,
           lag(r.report_year) OVER by_country AS last_ranked_year,
           lag(r.tier_code) OVER by_country AS last_tier_code,
           lead(r.report_year) OVER by_country AS following_ranked_year,
           lead(r.tier_code) OVER by_country AS following_tier_code,
           -- Gaps and islands: consecutive reports of one country on one tier share this value.
           rs.report_number - row_number() OVER (PARTITION BY r.iso3, r.tier_code ORDER BY r.report_year) AS run_key
    FROM tip.ranking r
    JOIN report_sequence rs USING (report_year)
    WINDOW by_country AS (PARTITION BY r.iso3 ORDER BY r.report_year)
), runs AS (
    SELECT h.*,
           min(h.report_year) OVER run AS tier_since,
           row_number() OVER run AS reports_on_tier
    FROM history h
    WINDOW run AS (PARTITION BY h.iso3, h.tier_code, h.run_key ORDER BY h.report_year)
)
SELECT h.report_year,
       h.iso3,
       c.name AS country,
       c.region,
       c.subregion,
       h.tier_code AS tier,
       t.label AS tier_label,
       t.ordinal AS tier_ordinal,
       CASE WHEN h.last_ranked_year = h.previous_report_year THEN h.last_tier_code END AS previous_tier,
       CASE
           WHEN h.last_ranked_year = h.previous_report_year THEN
               CASE
                   WHEN NOT (t.is_ranked AND pt.is_ranked) THEN
                       CASE WHEN t.tier_code = pt.tier_code THEN 'unchanged' ELSE 'reclassified' END
                   WHEN t.ordinal < pt.ordinal THEN 'upgrade'
                   WHEN t.ordinal > pt.ordinal THEN 'downgrade'
                   ELSE 'unchanged'
               END
           WHEN h.previous_report_year IS NULL THEN 'first_ranked'
           WHEN cov.complete IS NOT TRUE THEN 'unknown'
           WHEN h.last_ranked_year IS NOT NULL THEN 'returned'
           ELSE 'first_ranked'
       END AS change,
       CASE WHEN h.following_ranked_year = h.next_report_year THEN h.following_tier_code END AS next_tier,
       h.tier_since,
       h.reports_on_tier::integer AS reports_on_tier,
       h.source_id
FROM runs h
JOIN tip.country c USING (iso3)
JOIN tip.tier t ON t.tier_code = h.tier_code
LEFT JOIN tip.tier pt ON pt.tier_code = h.last_tier_code AND h.last_ranked_year = h.previous_report_year
LEFT JOIN analytics.coverage cov ON cov.report_year = h.previous_report_year;
CREATE UNIQUE INDEX ranking_history_key ON tip.ranking_history (report_year, iso3);
CREATE INDEX ranking_history_iso3_idx ON tip.ranking_history (iso3, report_year);
CREATE INDEX ranking_history_tier_idx ON tip.ranking_history (tier, report_year);
COMMENT ON MATERIALIZED VIEW tip.ranking_history IS 'Placements with their change from the preceding report and their run on the tier, computed once per load (REFRESH by the loader). Read it as analytics.rankings.';

-- The LEFT JOIN to a unique key lets the planner skip tip.source when a query wants no citation.
CREATE VIEW analytics.rankings AS
SELECT h.report_year, h.iso3, h.country, h.region, h.subregion, h.tier, h.tier_label, h.tier_ordinal,
       h.previous_tier, h.change, h.next_tier, h.tier_since, h.reports_on_tier, s.citation AS source,
       s.verification
FROM tip.ranking_history h
LEFT JOIN tip.source s ON s.source_id = h.source_id;
COMMENT ON VIEW analytics.rankings IS 'Grain: one row per country per report year. Tier placements with the change from the preceding report.';
COMMENT ON COLUMN analytics.rankings.report_year IS 'Report year (year of publication).';
COMMENT ON COLUMN analytics.rankings.iso3 IS 'ISO3 code of the country.';
COMMENT ON COLUMN analytics.rankings.country IS 'Canonical country name.';
COMMENT ON COLUMN analytics.rankings.region IS 'Continental region (country_converter "continent").';
COMMENT ON COLUMN analytics.rankings.subregion IS 'UN M49 sub-region.';
COMMENT ON COLUMN analytics.rankings.tier IS 'Tier code: 1, 2, 2WL, 3, special_case.';
COMMENT ON COLUMN analytics.rankings.tier_label IS 'Tier name as printed in the report.';
COMMENT ON COLUMN analytics.rankings.tier_ordinal IS 'Sort order, 1 (Tier 1, best) to 4 (Tier 3, worst); 5 = Special Case.';
COMMENT ON COLUMN analytics.rankings.previous_tier IS 'Tier in the immediately preceding report, if the country has a placement there.';
COMMENT ON COLUMN analytics.rankings.change IS 'upgrade, downgrade or unchanged against the preceding report; reclassified when either placement is Special Case; returned when absent from a complete preceding report but placed earlier; first_ranked when never placed before; unknown when the preceding report''s data is incomplete and lacks the country.';
COMMENT ON COLUMN analytics.rankings.next_tier IS 'Tier in the immediately following report, if the country has a placement there; NULL for the latest report or where none is loaded.';
COMMENT ON COLUMN analytics.rankings.tier_since IS 'Report year in which the country''s current run on this tier began; a report without a placement for it ends a run, so in years of incomplete data the run may be longer than shown.';
COMMENT ON COLUMN analytics.rankings.reports_on_tier IS 'Consecutive reports, up to and including this one, in which the country was on this tier.';
COMMENT ON COLUMN analytics.rankings.source IS 'Citation of the public source of the placement.';
COMMENT ON COLUMN analytics.rankings.verification IS 'read: stated directly by the source; derived: inferred from the statements the citation names.';

-- The history's columns mean what the view's do: copy the view's column comments rather than repeat them.
DO $$
DECLARE
    described record;
BEGIN
    FOR described IN
        SELECT a.attname, col_description(a.attrelid, a.attnum) AS description
        FROM pg_attribute a
        JOIN pg_attribute m ON m.attrelid = 'tip.ranking_history'::regclass AND m.attname = a.attname
        WHERE a.attrelid = 'analytics.rankings'::regclass AND a.attnum > 0
    LOOP
        EXECUTE format('COMMENT ON COLUMN tip.ranking_history.%I IS %L', described.attname, described.description);
    END LOOP;
END
$$;
COMMENT ON COLUMN tip.ranking_history.source_id IS 'Public source of the placement (tip.source).';

GRANT SELECT ON analytics.tier_counts, analytics.coverage, analytics.rankings TO tip_reader;
