-- The refresh of 0030: whole rows compared with EXCEPT, written through ON CONFLICT.
-- work_mem: comparing every row of a full refresh in memory rather than in sorted files on disk.
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
