-- analytics.designations takes each membership's tier from tip.list_placement (0051) rather than looking it up in
-- tip.ranking membership by membership; a filter on the tier (cspa_and_tier_3: CSPA and Tier 3) then reads only the
-- memberships with that tier. Same rows: tip.list_placement has exactly one row per distinct (report, list, country)
-- of tip.list_membership, with the tier tip.ranking gives it, kept by tip.refresh_ranking_history.
-- depends: 0051_list_placement

CREATE OR REPLACE VIEW analytics.designations AS
SELECT m.report_year, make_date(m.report_year, 1, 1) AS report_year_date, m.list_code, l.name AS list_name, m.iso3, c.name AS country,
       p.tier,
       count(*) AS sources_count,
       string_agg(s.citation, ' | ' ORDER BY s.citation) AS sources
FROM tip.list_membership m
JOIN tip.list_placement p ON p.list_code = m.list_code AND p.report_year = m.report_year AND p.iso3 = m.iso3
JOIN tip.official_list l ON l.list_code = m.list_code
JOIN tip.country c ON c.iso3 = m.iso3
JOIN tip.source s ON s.source_id = m.source_id
GROUP BY m.report_year, m.list_code, l.name, m.iso3, c.name, p.tier;
