-- Back to tier_ordinal 5 for Special Case.
CREATE OR REPLACE VIEW analytics.tiers AS
SELECT tier_code AS tier, label AS tier_label, ordinal AS tier_ordinal, is_ranked
FROM tip.tier;
COMMENT ON COLUMN analytics.tiers.tier_ordinal IS 'Sort order from best (1) to worst (4); 5 = Special Case.';

CREATE OR REPLACE VIEW analytics.tier_counts AS
WITH published AS (
    SELECT report_year, tier_code, min(count) AS published_min, max(count) AS published_max
    FROM tip.published_tier_count
    GROUP BY report_year, tier_code
)
SELECT r.report_year, make_date(r.report_year, 1, 1) AS report_year_date, t.tier_code AS tier, t.label AS tier_label, t.ordinal AS tier_ordinal,
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
COMMENT ON COLUMN analytics.tier_counts.tier_ordinal IS 'Sort order, 1 (Tier 1) to 5 (Special Case).';

CREATE OR REPLACE VIEW analytics.rankings AS
SELECT h.report_year, make_date(h.report_year, 1, 1) AS report_year_date, h.iso3, h.country, h.region, h.subregion, h.tier, h.tier_label, h.tier_ordinal,
       h.previous_tier, h.change, h.next_tier, h.tier_since, h.reports_on_tier, s.citation AS source,
       s.verification
FROM tip.ranking_history h
LEFT JOIN tip.source s ON s.source_id = h.source_id;
COMMENT ON COLUMN analytics.rankings.tier_ordinal IS 'Sort order, 1 (Tier 1, best) to 4 (Tier 3, worst); 5 = Special Case.';
