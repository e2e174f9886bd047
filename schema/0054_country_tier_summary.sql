-- Each country's placements summed up per tier (tip.country_tier), kept by tip.refresh_ranking_history from the
-- history rows it writes, and shown as analytics.country_tiers (which lists the years of each from the history). always_one_tier, most_volatile (over every report)
-- and region_tier_members grouped every row of the history on each call (422,340 at 100x the data: 90-230 ms);
-- they read a few thousand summary rows instead. The refresh is 0051's plus this table, for the same countries.
-- depends: 0051_list_placement

CREATE TABLE tip.country_tier (
    iso3         text     NOT NULL,
    tier         text     NOT NULL,
    country      text     NOT NULL,
    region       text,
    reports      integer  NOT NULL,
    first_year   smallint NOT NULL,
    last_year    smallint NOT NULL,
    upgrades     integer  NOT NULL,
    downgrades   integer  NOT NULL,
    reclassified integer  NOT NULL,
    PRIMARY KEY (iso3, tier)
);
COMMENT ON TABLE tip.country_tier IS 'Derived: one row per country and tier it was placed on, summing up its rows of tip.ranking_history; kept equal to them by tip.refresh_ranking_history (which the loader calls in the load''s transaction). Read it as analytics.country_tiers.';
COMMENT ON COLUMN tip.country_tier.iso3 IS 'ISO3 code of the country.';
COMMENT ON COLUMN tip.country_tier.tier IS 'Tier code (tip.tier).';
COMMENT ON COLUMN tip.country_tier.country IS 'Canonical country name, as in tip.ranking_history.';
COMMENT ON COLUMN tip.country_tier.region IS 'Continental region, as in tip.ranking_history.';
COMMENT ON COLUMN tip.country_tier.reports IS 'Reports that placed the country on the tier.';
COMMENT ON COLUMN tip.country_tier.first_year IS 'First of those report years.';
COMMENT ON COLUMN tip.country_tier.last_year IS 'Last of those report years.';
COMMENT ON COLUMN tip.country_tier.upgrades IS 'Of those placements, the ones whose change (tip.ranking_history.change) is upgrade.';
COMMENT ON COLUMN tip.country_tier.downgrades IS 'Of those placements, the ones whose change is downgrade.';
COMMENT ON COLUMN tip.country_tier.reclassified IS 'Of those placements, the ones whose change is reclassified.';

-- work_mem: a full refresh joins its rows in memory rather than in sorted files on disk.
CREATE OR REPLACE FUNCTION tip.refresh_ranking_history(countries text[]) RETURNS void
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
    -- row a reader sees is rewritten (or even locked) without reason. New rows are plain inserts and
    -- changed rows plain updates, found by key: comparing whole rows (EXCEPT) and inserting through
    -- ON CONFLICT cost a bulk load more than computing the rows (benchmarks/load_throughput.py).
    WITH fresh AS MATERIALIZED (
        SELECT * FROM tip.ranking_history_rows(affected)
    ), gone AS (
        DELETE FROM tip.ranking_history h
        WHERE (affected IS NULL OR h.iso3 = ANY (affected))
          AND NOT EXISTS (SELECT FROM fresh f WHERE f.report_year = h.report_year AND f.iso3 = h.iso3)
    ), changed AS (
        UPDATE tip.ranking_history h
        SET (country, region, subregion, tier, tier_label, tier_ordinal, previous_tier, change, next_tier,
             tier_since, reports_on_tier, source_id)
          = (f.country, f.region, f.subregion, f.tier, f.tier_label, f.tier_ordinal, f.previous_tier, f.change,
             f.next_tier, f.tier_since, f.reports_on_tier, f.source_id)
        FROM fresh f
        WHERE f.report_year = h.report_year AND f.iso3 = h.iso3
          AND (h.country, h.region, h.subregion, h.tier, h.tier_label, h.tier_ordinal, h.previous_tier, h.change,
               h.next_tier, h.tier_since, h.reports_on_tier, h.source_id)
              IS DISTINCT FROM
              (f.country, f.region, f.subregion, f.tier, f.tier_label, f.tier_ordinal, f.previous_tier, f.change,
               f.next_tier, f.tier_since, f.reports_on_tier, f.source_id)
    )
    INSERT INTO tip.ranking_history
    SELECT f.* FROM fresh f
    WHERE NOT EXISTS (SELECT FROM tip.ranking_history h WHERE h.report_year = f.report_year AND h.iso3 = f.iso3);
    -- Each list membership's placement: the countries given (and those added above) or every one. Only
    -- rows that differ are written, as for the history.
    WITH fresh AS MATERIALIZED (
        SELECT DISTINCT m.report_year, m.list_code, m.iso3, r.tier_code AS tier
        FROM tip.list_membership m
        LEFT JOIN tip.ranking r ON r.report_year = m.report_year AND r.iso3 = m.iso3
        WHERE affected IS NULL OR m.iso3 = ANY (affected)
    ), gone AS (
        DELETE FROM tip.list_placement p
        WHERE (affected IS NULL OR p.iso3 = ANY (affected))
          AND NOT EXISTS (SELECT FROM fresh f
                          WHERE f.report_year = p.report_year AND f.list_code = p.list_code AND f.iso3 = p.iso3)
    ), changed AS (
        UPDATE tip.list_placement p
        SET tier = f.tier
        FROM fresh f
        WHERE f.report_year = p.report_year AND f.list_code = p.list_code AND f.iso3 = p.iso3
          AND (affected IS NULL OR p.iso3 = ANY (affected))
          AND p.tier IS DISTINCT FROM f.tier
    )
    INSERT INTO tip.list_placement (report_year, list_code, iso3, tier)
    SELECT f.report_year, f.list_code, f.iso3, f.tier FROM fresh f
    WHERE NOT EXISTS (SELECT FROM tip.list_placement p
                      WHERE p.report_year = f.report_year AND p.list_code = f.list_code AND p.iso3 = f.iso3);
    -- Each country's placements per tier, from the history rows just written: the countries given (and
    -- those added above) or every one. Only rows that differ are written.
    WITH fresh AS MATERIALIZED (
        -- A country's rows all carry its name and region as of this refresh (every row of a country given is
        -- rewritten), so grouping by country and tier alone is enough. OFFSET 0: the rows are read as they lie
        -- and grouped by hashing; read in country order by index and sorted country by country, they took
        -- several times as long at 100x the data. No list of years here: ordering them cost a sort of every
        -- row (three times the rest); analytics.country_tiers reads them from the history when asked.
        SELECT h.iso3, h.tier, min(h.country) AS country, min(h.region) AS region, count(*)::integer AS reports,
               min(h.report_year) AS first_year, max(h.report_year) AS last_year,
               count(*) FILTER (WHERE h.change = 'upgrade')::integer AS upgrades,
               count(*) FILTER (WHERE h.change = 'downgrade')::integer AS downgrades,
               count(*) FILTER (WHERE h.change = 'reclassified')::integer AS reclassified
        FROM (SELECT iso3, tier, country, region, report_year, change
              FROM tip.ranking_history
              WHERE affected IS NULL OR iso3 = ANY (affected)
              OFFSET 0) h
        GROUP BY h.iso3, h.tier
    ), gone AS (
        DELETE FROM tip.country_tier t
        WHERE (affected IS NULL OR t.iso3 = ANY (affected))
          AND NOT EXISTS (SELECT FROM fresh f WHERE f.iso3 = t.iso3 AND f.tier = t.tier)
    ), changed AS (
        UPDATE tip.country_tier t
        SET (country, region, reports, first_year, last_year, upgrades, downgrades, reclassified)
          = (f.country, f.region, f.reports, f.first_year, f.last_year, f.upgrades, f.downgrades, f.reclassified)
        FROM fresh f
        WHERE f.iso3 = t.iso3 AND f.tier = t.tier AND (affected IS NULL OR t.iso3 = ANY (affected))
          AND (t.country, t.region, t.reports, t.first_year, t.last_year, t.upgrades, t.downgrades, t.reclassified)
              IS DISTINCT FROM
              (f.country, f.region, f.reports, f.first_year, f.last_year, f.upgrades, f.downgrades, f.reclassified)
    )
    INSERT INTO tip.country_tier
        (iso3, tier, country, region, reports, first_year, last_year, upgrades, downgrades, reclassified)
    SELECT f.iso3, f.tier, f.country, f.region, f.reports, f.first_year, f.last_year, f.upgrades, f.downgrades,
           f.reclassified
    FROM fresh f
    WHERE NOT EXISTS (SELECT FROM tip.country_tier t WHERE t.iso3 = f.iso3 AND t.tier = f.tier);
    DELETE FROM tip.ranking_history_basis;
    INSERT INTO tip.ranking_history_basis (report_year, complete)
    SELECT report_year, complete FROM tip.report_completeness;
END;
$$;

COMMENT ON FUNCTION tip.refresh_ranking_history(text[]) IS 'Recompute tip.ranking_history, tip.placement_count, tip.list_placement and tip.country_tier for the given ISO3 codes (NULL: every country), plus the rows a new report or a change of a year''s completeness affects. Call it in the transaction that changed tip.ranking, tip.country, tip.report, tip.published_tier_count or tip.list_membership, with every country whose placements, list memberships or attributes it changed (an empty array when only reports or published counts changed). Takes row locks only: readers are never blocked.';

INSERT INTO tip.country_tier
    (iso3, tier, country, region, reports, first_year, last_year, upgrades, downgrades, reclassified)
SELECT h.iso3, h.tier, min(h.country), min(h.region), count(*)::integer,
       min(h.report_year), max(h.report_year),
       count(*) FILTER (WHERE h.change = 'upgrade')::integer,
       count(*) FILTER (WHERE h.change = 'downgrade')::integer,
       count(*) FILTER (WHERE h.change = 'reclassified')::integer
FROM tip.ranking_history h
GROUP BY h.iso3, h.tier;

-- report_years is read from the history (by its index on the country) only when a query asks for it.
CREATE VIEW analytics.country_tiers AS
SELECT t.iso3, t.country, t.region, t.tier, t.reports, t.first_year, t.last_year,
       (SELECT string_agg(h.report_year::text, ', ' ORDER BY h.report_year)
        FROM tip.ranking_history h WHERE h.iso3 = t.iso3 AND h.tier = t.tier) AS report_years,
       t.upgrades, t.downgrades, t.reclassified
FROM tip.country_tier t;
COMMENT ON VIEW analytics.country_tiers IS 'Grain: one row per country and tier it was ever placed on. Its placements on the tier summed up from analytics.rankings.';
COMMENT ON COLUMN analytics.country_tiers.iso3 IS 'ISO3 code of the country.';
COMMENT ON COLUMN analytics.country_tiers.country IS 'Canonical country name.';
COMMENT ON COLUMN analytics.country_tiers.region IS 'Continental region (country_converter "continent").';
COMMENT ON COLUMN analytics.country_tiers.tier IS 'Tier code: 1, 2, 2WL, 3, special_case.';
COMMENT ON COLUMN analytics.country_tiers.reports IS 'Reports that placed the country on the tier.';
COMMENT ON COLUMN analytics.country_tiers.first_year IS 'First report year that placed it on the tier.';
COMMENT ON COLUMN analytics.country_tiers.last_year IS 'Last report year that placed it on the tier.';
COMMENT ON COLUMN analytics.country_tiers.report_years IS 'Every report year that placed it on the tier, in order, separated by a comma and a space (2001, 2002, 2005).';
COMMENT ON COLUMN analytics.country_tiers.upgrades IS 'Of those placements, how many were an upgrade from the preceding report (analytics.rankings.change).';
COMMENT ON COLUMN analytics.country_tiers.downgrades IS 'Of those placements, how many were a downgrade from the preceding report.';
COMMENT ON COLUMN analytics.country_tiers.reclassified IS 'Of those placements, how many were reclassified (to or from Special Case).';
GRANT SELECT ON analytics.country_tiers TO tip_reader;
