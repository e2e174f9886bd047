-- The three rules look placements up in tip.ranking again, as 0040 made them.

CREATE OR REPLACE VIEW tip.check_waiver_not_on_watch_list AS
WITH waived AS (
    SELECT DISTINCT report_year, iso3 FROM tip.list_membership WHERE list_code = 'auto_downgrade_waiver'
)
SELECT w.report_year, w.iso3,
       CASE WHEN r.tier_code IS NULL THEN 'note' ELSE 'failed' END AS outcome,
       CASE WHEN r.tier_code IS NULL THEN 'waiver loaded, but no placement for this report'
            ELSE format('waiver of the automatic downgrade, but placed on %s', t.label) END AS detail
FROM waived w
LEFT JOIN tip.ranking r USING (report_year, iso3)
LEFT JOIN tip.tier t ON t.tier_code = r.tier_code
WHERE r.tier_code IS DISTINCT FROM '2WL'
UNION ALL
SELECT r.report_year, NULL, 'not_checkable',
       CASE WHEN r.report_year < c.applies_from_report_year
            THEN format('no automatic downgrade before the %s report', c.applies_from_report_year)
            ELSE 'no waiver list loaded for this report' END
FROM tip.report r
JOIN tip.check_rule c ON c.rule_id = 'waiver_not_on_watch_list'
WHERE NOT EXISTS (SELECT FROM waived w WHERE w.report_year = r.report_year);

CREATE OR REPLACE VIEW tip.check_state_sponsored_not_on_tier_3 AS
WITH listed AS (
    SELECT DISTINCT report_year, iso3 FROM tip.list_membership WHERE list_code = 'state_sponsored'
), governed AS (
    SELECT r.report_year, r.report_year >= coalesce(c.applies_from_report_year, 0) AS governed
    FROM tip.report r JOIN tip.check_rule c ON c.rule_id = 'state_sponsored_not_on_tier_3'
)
SELECT l.report_year, l.iso3,
       CASE WHEN r.tier_code IS NULL THEN 'note' ELSE 'failed' END AS outcome,
       CASE WHEN r.tier_code IS NULL THEN 'listed for a government policy or pattern of trafficking, but no placement loaded'
            ELSE format('listed for a government policy or pattern of trafficking, but placed on %s', t.label) END AS detail
FROM listed l
JOIN governed g ON g.report_year = l.report_year AND g.governed
LEFT JOIN tip.ranking r ON r.report_year = l.report_year AND r.iso3 = l.iso3
LEFT JOIN tip.tier t ON t.tier_code = r.tier_code
WHERE t.level IS DISTINCT FROM 3
UNION ALL
SELECT g.report_year, NULL, 'not_checkable',
       CASE WHEN g.governed THEN 'no state-sponsored trafficking list loaded for this report'
            ELSE 'the law did not yet require Tier 3 for this report' END
FROM governed g
WHERE NOT g.governed OR NOT EXISTS (SELECT FROM listed l WHERE l.report_year = g.report_year);

CREATE OR REPLACE VIEW tip.check_listed_country_not_placed AS
SELECT m.report_year, m.iso3,
       CASE WHEN y.complete THEN 'failed' ELSE 'note' END AS outcome,
       format('on the list %s, but no placement loaded%s', string_agg(l.name, ', ' ORDER BY l.name),
              CASE WHEN y.complete THEN '' ELSE ' (the report''s placements are incomplete)' END) AS detail
FROM (SELECT DISTINCT report_year, list_code, iso3 FROM tip.list_membership) m
JOIN tip.official_list l USING (list_code)
JOIN tip.check_year y USING (report_year)
WHERE NOT EXISTS (SELECT FROM tip.ranking r WHERE r.report_year = m.report_year AND r.iso3 = m.iso3)
GROUP BY m.report_year, m.iso3, y.complete;
