-- The placement history becomes a table refreshed per country, built on the core tables only.
-- A materialized view could only be refreshed whole, under a lock that waits for every reader of
-- analytics.rankings; the table is rewritten by DELETE and INSERT for the countries a load touched,
-- which no reader's open transaction blocks. Per-year counts are kept beside it, so that completeness
-- (and analytics.coverage, analytics.tier_counts) no longer scan every placement twice.
-- squawk-ignore-file ban-drop-view
-- (the views are recreated below in the same transaction, with the same columns)
-- depends: 0025_analytics_special_watch_list
DROP VIEW analytics.rankings;
DROP MATERIALIZED VIEW tip.ranking_history;
DROP VIEW analytics.coverage;
DROP VIEW analytics.tier_counts;

CREATE TABLE tip.placement_count (
    report_year        smallint NOT NULL,
    tier_code          text     NOT NULL,
    placements         integer  NOT NULL,
    derived_placements integer  NOT NULL,
    PRIMARY KEY (report_year, tier_code)
);
COMMENT ON TABLE tip.placement_count IS 'Derived: placements per report year and tier, kept equal to the rows of tip.ranking by tip.refresh_ranking_history (which the loader calls). No row means none.';
COMMENT ON COLUMN tip.placement_count.report_year IS 'Report year.';
COMMENT ON COLUMN tip.placement_count.tier_code IS 'Tier given.';
COMMENT ON COLUMN tip.placement_count.placements IS 'Placements of the year on the tier.';
COMMENT ON COLUMN tip.placement_count.derived_placements IS 'Of those, placements whose source is derived (tip.source.verification).';

CREATE TABLE tip.ranking_history_basis (
    report_year smallint PRIMARY KEY,
    complete    boolean
);
COMMENT ON TABLE tip.ranking_history_basis IS 'Derived: the report years, and whether each was complete, when tip.ranking_history was last refreshed. A refresh compares them with the current ones to find the rows a new report or a change of completeness affects beyond the countries it was given.';
COMMENT ON COLUMN tip.ranking_history_basis.report_year IS 'Report year known to the last refresh.';
COMMENT ON COLUMN tip.ranking_history_basis.complete IS 'tip.report_completeness.complete of the year at the last refresh.';

-- Completeness from core facts and the counts above; analytics.coverage shows it.
CREATE VIEW tip.report_completeness AS
WITH loaded AS (
    SELECT report_year, sum(placements) AS placements, sum(derived_placements) AS derived_placements
    FROM tip.placement_count
    GROUP BY report_year
), published AS (
    SELECT report_year, tier_code, min(count) AS published_count
    FROM tip.published_tier_count
    GROUP BY report_year, tier_code
    HAVING min(count) = max(count)  -- a count two sources disagree on checks nothing
), per_tier AS (
    SELECT p.report_year,
           count(*) = (SELECT count(*) FROM tip.tier) AS every_tier_published,
           bool_and(coalesce(c.placements, 0) = p.published_count) AS published_tiers_match,
           bool_or(coalesce(c.placements, 0) < p.published_count) AS some_tier_short
    FROM published p
    LEFT JOIN tip.placement_count c USING (report_year, tier_code)
    GROUP BY p.report_year
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
COMMENT ON VIEW tip.report_completeness IS 'Grain: one row per report year. Placements loaded against what sources published, from core tables and tip.placement_count; decides which years are complete.';
COMMENT ON COLUMN tip.report_completeness.report_year IS 'Report year.';
COMMENT ON COLUMN tip.report_completeness.placements IS 'Placements loaded for the year.';
COMMENT ON COLUMN tip.report_completeness.derived_placements IS 'Of those, placements derived from other statements rather than read.';
COMMENT ON COLUMN tip.report_completeness.published_total IS 'Countries the report placed, as a source states it; NULL where unknown.';
COMMENT ON COLUMN tip.report_completeness.complete IS 'True when every published placement is loaded; false when the loaded placements fall short of a published total or tier count; NULL when nothing published allows checking.';
COMMENT ON COLUMN tip.report_completeness.missing_placements IS 'Published total minus placements loaded, where positive.';
COMMENT ON COLUMN tip.report_completeness.published_tiers_match IS 'Whether every tier with a single published count has exactly that many placements; NULL if no tier count was published.';

CREATE TABLE tip.ranking_history (
    report_year     smallint NOT NULL,
    iso3            text     NOT NULL,
    country         text     NOT NULL,
    region          text,
    subregion       text,
    tier            text     NOT NULL,
    tier_label      text     NOT NULL,
    tier_ordinal    smallint NOT NULL,
    previous_tier   text,
    change          text     NOT NULL,
    next_tier       text,
    tier_since      smallint NOT NULL,
    reports_on_tier integer  NOT NULL,
    source_id       bigint   NOT NULL,
    PRIMARY KEY (report_year, iso3)
);
CREATE INDEX ranking_history_iso3_idx ON tip.ranking_history (iso3, report_year);
CREATE INDEX ranking_history_tier_idx ON tip.ranking_history (tier, report_year);
COMMENT ON TABLE tip.ranking_history IS 'Derived: placements with their change from the preceding report and their run on the tier, rewritten per country by tip.refresh_ranking_history (the loader calls it in each load that changes what it is built on). Read it as analytics.rankings.';
COMMENT ON COLUMN tip.ranking_history.report_year IS 'Report year (year of publication).';
COMMENT ON COLUMN tip.ranking_history.iso3 IS 'ISO3 code of the country.';
COMMENT ON COLUMN tip.ranking_history.country IS 'Canonical country name.';
COMMENT ON COLUMN tip.ranking_history.region IS 'Continental region (country_converter "continent").';
COMMENT ON COLUMN tip.ranking_history.subregion IS 'UN M49 sub-region.';
COMMENT ON COLUMN tip.ranking_history.tier IS 'Tier code (tip.tier).';
COMMENT ON COLUMN tip.ranking_history.tier_label IS 'Tier name as printed in the report.';
COMMENT ON COLUMN tip.ranking_history.tier_ordinal IS 'tip.tier.ordinal of the tier: its sort order, 5 = Special Case.';
COMMENT ON COLUMN tip.ranking_history.previous_tier IS 'Tier in the immediately preceding report, if the country has a placement there.';
COMMENT ON COLUMN tip.ranking_history.change IS 'upgrade, downgrade, unchanged, reclassified, returned, first_ranked or unknown (see analytics.rankings.change).';
COMMENT ON COLUMN tip.ranking_history.next_tier IS 'Tier in the immediately following report, if the country has a placement there.';
COMMENT ON COLUMN tip.ranking_history.tier_since IS 'Report year in which the country''s current run on this tier began.';
COMMENT ON COLUMN tip.ranking_history.reports_on_tier IS 'Consecutive reports, up to and including this one, in which the country was on this tier.';
COMMENT ON COLUMN tip.ranking_history.source_id IS 'Public source of the placement (tip.source).';

-- Tier changes need window functions over a country's whole history; every window is per country,
-- so the rows of some countries can be computed alone.
CREATE FUNCTION tip.ranking_history_rows(countries text[])
RETURNS SETOF tip.ranking_history
LANGUAGE sql STABLE
BEGIN ATOMIC
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
    WHERE countries IS NULL OR r.iso3 = ANY (countries)
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
       c.name,
       c.region,
       c.subregion,
       h.tier_code,
       t.label,
       t.ordinal,
       CASE WHEN h.last_ranked_year = h.previous_report_year THEN h.last_tier_code END,
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
       END,
       CASE WHEN h.following_ranked_year = h.next_report_year THEN h.following_tier_code END,
       h.tier_since,
       h.reports_on_tier::integer,
       h.source_id
FROM runs h
JOIN tip.country c USING (iso3)
JOIN tip.tier t ON t.tier_code = h.tier_code
LEFT JOIN tip.tier pt ON pt.tier_code = h.last_tier_code AND h.last_ranked_year = h.previous_report_year
LEFT JOIN tip.report_completeness cov ON cov.report_year = h.previous_report_year;
END;
COMMENT ON FUNCTION tip.ranking_history_rows(text[]) IS 'The rows tip.ranking_history should hold for the given ISO3 codes (NULL: every country), computed from the core tables and tip.placement_count.';

-- work_mem: comparing every row of a full refresh in memory rather than in sorted files on disk.
CREATE FUNCTION tip.refresh_ranking_history(countries text[]) RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB'
AS $$
DECLARE
    affected text[] := countries;
BEGIN
    -- One refresh at a time; readers take no lock on this table, so none of them waits.
    LOCK TABLE tip.ranking_history_basis IN EXCLUSIVE MODE;
    IF affected IS NULL
       OR EXISTS (SELECT report_year FROM tip.report EXCEPT SELECT report_year FROM tip.ranking_history_basis)
       OR EXISTS (SELECT report_year FROM tip.ranking_history_basis EXCEPT SELECT report_year FROM tip.report)
    THEN
        -- Every country, or a report came or went: every row's neighbours in the report sequence may change.
        affected := NULL;
        DELETE FROM tip.placement_count;
        INSERT INTO tip.placement_count (report_year, tier_code, placements, derived_placements)
        SELECT r.report_year, r.tier_code, count(*), count(*) FILTER (WHERE s.verification = 'derived')
        FROM tip.ranking r JOIN tip.source s USING (source_id)
        GROUP BY r.report_year, r.tier_code;
    ELSE
        -- The counts move by the difference between the countries' old rows and their placements now.
        WITH delta AS (
            SELECT report_year, tier_code, sum(n)::integer AS n, sum(d)::integer AS d
            FROM (
                SELECT r.report_year, r.tier_code, 1 AS n, (s.verification = 'derived')::integer AS d
                FROM tip.ranking r JOIN tip.source s USING (source_id)
                WHERE r.iso3 = ANY (affected)
                UNION ALL
                SELECT h.report_year, h.tier, -1, -(s.verification = 'derived')::integer
                FROM tip.ranking_history h JOIN tip.source s USING (source_id)
                WHERE h.iso3 = ANY (affected)
            ) moves
            GROUP BY report_year, tier_code
            HAVING sum(n) <> 0 OR sum(d) <> 0
        ), updated AS (
            UPDATE tip.placement_count c
            SET placements = c.placements + delta.n, derived_placements = c.derived_placements + delta.d
            FROM delta
            WHERE c.report_year = delta.report_year AND c.tier_code = delta.tier_code
            RETURNING c.report_year, c.tier_code
        )
        INSERT INTO tip.placement_count (report_year, tier_code, placements, derived_placements)
        SELECT delta.report_year, delta.tier_code, delta.n, delta.d
        FROM delta
        WHERE NOT EXISTS (SELECT FROM updated u
                          WHERE u.report_year = delta.report_year AND u.tier_code = delta.tier_code);
        DELETE FROM tip.placement_count WHERE placements = 0;
        -- A year whose completeness changed changes the rows of the next report that lack a placement
        -- in it (unknown / returned): add those countries.
        WITH sequence AS (
            SELECT report_year, lead(report_year) OVER (ORDER BY report_year) AS next_report_year
            FROM tip.report
        ), flipped AS (
            SELECT s.report_year, s.next_report_year
            FROM tip.report_completeness now
            JOIN tip.ranking_history_basis was USING (report_year)
            JOIN sequence s USING (report_year)
            WHERE now.complete IS DISTINCT FROM was.complete
        )
        SELECT coalesce(array_agg(DISTINCT iso3), '{}') INTO affected
        FROM (
            SELECT unnest(countries) AS iso3
            UNION ALL
            SELECT r.iso3
            FROM flipped f
            JOIN tip.ranking r ON r.report_year = f.next_report_year
            WHERE NOT EXISTS (SELECT FROM tip.ranking gap WHERE gap.report_year = f.report_year AND gap.iso3 = r.iso3)
        ) chosen;
    END IF;
    -- Only rows that differ are written: a full refresh after a small change writes little, and no
    -- row a reader sees is rewritten (or even locked) without reason.
    WITH fresh AS MATERIALIZED (
        SELECT * FROM tip.ranking_history_rows(affected)
    ), current AS MATERIALIZED (
        SELECT * FROM tip.ranking_history h WHERE affected IS NULL OR h.iso3 = ANY (affected)
    ), gone AS (
        DELETE FROM tip.ranking_history h
        USING (SELECT report_year, iso3 FROM current EXCEPT SELECT report_year, iso3 FROM fresh) g
        WHERE h.report_year = g.report_year AND h.iso3 = g.iso3
    )
    INSERT INTO tip.ranking_history AS h
    SELECT * FROM fresh EXCEPT SELECT * FROM current
    ON CONFLICT (report_year, iso3) DO UPDATE
        SET (country, region, subregion, tier, tier_label, tier_ordinal, previous_tier, change, next_tier,
             tier_since, reports_on_tier, source_id)
          = (EXCLUDED.country, EXCLUDED.region, EXCLUDED.subregion, EXCLUDED.tier, EXCLUDED.tier_label,
             EXCLUDED.tier_ordinal, EXCLUDED.previous_tier, EXCLUDED.change, EXCLUDED.next_tier,
             EXCLUDED.tier_since, EXCLUDED.reports_on_tier, EXCLUDED.source_id);
    DELETE FROM tip.ranking_history_basis;
    INSERT INTO tip.ranking_history_basis (report_year, complete)
    SELECT report_year, complete FROM tip.report_completeness;
END;
$$;
COMMENT ON FUNCTION tip.refresh_ranking_history(text[]) IS 'Recompute tip.ranking_history and tip.placement_count for the given ISO3 codes (NULL: every country), plus the rows a new report or a change of a year''s completeness affects. Call it in the transaction that changed tip.ranking, tip.country, tip.report or tip.published_tier_count, with every country whose placements or attributes it changed (an empty array when only reports or published counts changed). Takes row locks only: readers are never blocked.';

-- PERFORM rather than SELECT: yoyo prints the result of a SELECT in a migration.
DO $$ BEGIN PERFORM tip.refresh_ranking_history(NULL); END $$;

CREATE VIEW analytics.tier_counts AS
WITH published AS (
    SELECT report_year, tier_code, min(count) AS published_min, max(count) AS published_max
    FROM tip.published_tier_count
    GROUP BY report_year, tier_code
)
SELECT r.report_year, t.tier_code AS tier, t.label AS tier_label, t.ordinal AS tier_ordinal,
       coalesce(l.placements, 0)::bigint AS placements,
       coalesce(l.derived_placements, 0)::bigint AS derived_placements,
       CASE WHEN p.published_min = p.published_max THEN p.published_min END AS published_count,
       p.published_min IS DISTINCT FROM p.published_max AS published_counts_disagree,
       CASE WHEN p.published_min = p.published_max THEN coalesce(l.placements, 0) = p.published_min END
           AS matches_published
FROM tip.report r
CROSS JOIN tip.tier t
LEFT JOIN tip.placement_count l ON l.report_year = r.report_year AND l.tier_code = t.tier_code
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
SELECT report_year, placements, derived_placements, published_total, complete, missing_placements,
       published_tiers_match
FROM tip.report_completeness;
COMMENT ON VIEW analytics.coverage IS 'Grain: one row per report year. How far each year''s placements can be trusted: loaded against published totals.';
COMMENT ON COLUMN analytics.coverage.report_year IS 'Report year.';
COMMENT ON COLUMN analytics.coverage.placements IS 'Placements loaded for the year.';
COMMENT ON COLUMN analytics.coverage.derived_placements IS 'Of those, placements derived from other statements rather than read.';
COMMENT ON COLUMN analytics.coverage.published_total IS 'Countries the report placed, as a source states it; NULL where unknown.';
COMMENT ON COLUMN analytics.coverage.complete IS 'True when every published placement is loaded; false when the loaded placements fall short of a published total or tier count; NULL when nothing published allows checking (2021: no total was found).';
COMMENT ON COLUMN analytics.coverage.missing_placements IS 'Published total minus placements loaded, where positive.';
COMMENT ON COLUMN analytics.coverage.published_tiers_match IS 'Whether every tier with a single published count has exactly that many placements; NULL if no tier count was published.';

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

GRANT SELECT ON analytics.tier_counts, analytics.coverage, analytics.rankings TO tip_reader;
