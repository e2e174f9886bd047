-- The refresh of 0051, without tip.country_tier.
-- squawk-ignore-file ban-drop-view
-- (analytics.country_tiers came with this migration; nothing else reads it)
DROP VIEW analytics.country_tiers;

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
    DELETE FROM tip.ranking_history_basis;
    INSERT INTO tip.ranking_history_basis (report_year, complete)
    SELECT report_year, complete FROM tip.report_completeness;
END;
$$;

COMMENT ON FUNCTION tip.refresh_ranking_history(text[]) IS 'Recompute tip.ranking_history, tip.placement_count and tip.list_placement for the given ISO3 codes (NULL: every country), plus the rows a new report or a change of a year''s completeness affects. Call it in the transaction that changed tip.ranking, tip.country, tip.report, tip.published_tier_count or tip.list_membership, with every country whose placements, list memberships or attributes it changed (an empty array when only reports or published counts changed). Takes row locks only: readers are never blocked.';

DROP TABLE tip.country_tier;
