-- analytics.designations looks each membership's tier up in tip.ranking again, as 0031 made it.

CREATE OR REPLACE VIEW analytics.designations AS
SELECT m.report_year, make_date(m.report_year, 1, 1) AS report_year_date, m.list_code, l.name AS list_name, m.iso3, c.name AS country,
       r.tier_code AS tier,
       count(*) AS sources_count,
       string_agg(s.citation, ' | ' ORDER BY s.citation) AS sources
FROM tip.list_membership m
JOIN tip.official_list l USING (list_code)
JOIN tip.country c USING (iso3)
JOIN tip.source s ON s.source_id = m.source_id
LEFT JOIN tip.ranking r ON r.report_year = m.report_year AND r.iso3 = m.iso3
GROUP BY m.report_year, m.list_code, l.name, m.iso3, c.name, r.tier_code;
