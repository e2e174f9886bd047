-- The data's own test suite: a catalog of consistency rules, each one a view that returns the rows breaking it.
-- `tipdb check` and analytics.check_results read every rule through tip.check_findings(); a rule is added by
-- inserting its catalog row and creating its view tip.check_<rule_id> (same columns as the others).
-- Rules read the core tables only, never analytics.coverage or the placement history, which build on them.
-- depends: 0033_findings_search_function 0031_report_year_dates
CREATE TABLE tip.check_rule (
    rule_id                  text     PRIMARY KEY CHECK (rule_id ~ '^[a-z0-9_]+$'),
    severity                 text     NOT NULL CHECK (severity IN ('error', 'warning')),
    title                    text     NOT NULL CHECK (btrim(title) <> ''),
    description              text     NOT NULL CHECK (btrim(description) <> ''),
    basis                    text     NOT NULL CHECK (btrim(basis) <> ''),
    applies_from_report_year smallint CHECK (applies_from_report_year BETWEEN 2001 AND 2100)
);
COMMENT ON TABLE tip.check_rule IS 'Consistency rules of the data (tipdb check). Each rule''s query is the view tip.check_<rule_id>, which returns the rows that break it.';
COMMENT ON COLUMN tip.check_rule.rule_id IS 'Identifier; the rule''s view is tip.check_<rule_id>.';
COMMENT ON COLUMN tip.check_rule.severity IS 'error: the law or a published figure is contradicted, tipdb check fails; warning: unusual, to be looked at, listed but not fatal.';
COMMENT ON COLUMN tip.check_rule.title IS 'One line saying what the rule expects.';
COMMENT ON COLUMN tip.check_rule.description IS 'What the rule checks, what a failed row means and what is shown but not counted as failure.';
COMMENT ON COLUMN tip.check_rule.basis IS 'The legal provision or published figure the rule rests on.';
COMMENT ON COLUMN tip.check_rule.applies_from_report_year IS 'First report the rule governs, where the law sets one (NULL: every report).';

-- Per report year: placements loaded against the published total. Shared by the rules below.
CREATE VIEW tip.check_year AS
SELECT r.report_year,
       lag(r.report_year) OVER (ORDER BY r.report_year) AS previous_report_year,
       coalesce(k.placements, 0) AS placements,
       r.countries_ranked AS published_total,
       coalesce(k.placements, 0) >= r.countries_ranked AS complete
FROM tip.report r
LEFT JOIN (SELECT report_year, count(*) AS placements FROM tip.ranking GROUP BY report_year) k USING (report_year);
COMMENT ON VIEW tip.check_year IS 'Grain: one row per report year. Placements loaded against the published total, for the check rules (not a rule itself).';
COMMENT ON COLUMN tip.check_year.report_year IS 'Report year.';
COMMENT ON COLUMN tip.check_year.previous_report_year IS 'The report before it.';
COMMENT ON COLUMN tip.check_year.placements IS 'Placements loaded.';
COMMENT ON COLUMN tip.check_year.published_total IS 'Countries the report placed, as published; NULL where unknown.';
COMMENT ON COLUMN tip.check_year.complete IS 'True when every published placement is loaded; NULL without a published total.';

INSERT INTO tip.check_rule (rule_id, severity, title, description, basis, applies_from_report_year) VALUES
('placements_vs_published_total', 'error',
 'No report has more placements than it published',
 'Failed: more placements are loaded for a report than the number of countries it placed. Shown, not failed: fewer (the year is incomplete). Not checkable: no published total.',
 'The published number of countries each report placed (tip.report.countries_ranked, with its source).', NULL),
('tier_counts_vs_published', 'error',
 'Each tier holds as many placements as published',
 'Failed: more placements on a tier than a source published for it, or fewer in a report whose placements are all loaded (then some are on the wrong tier). Shown, not failed: fewer in an incomplete report. Counts their own source marks CONFLICT are left to published_count_in_conflict. Not checkable: no published count for the report.',
 'Per-tier counts as published (tip.published_tier_count, each with its source).', NULL),
('published_count_in_conflict', 'warning',
 'Published counts agree with each other',
 'Failed: a published count that its source marks CONFLICT (sources disagree; the note says which is believed), or two sources publishing different counts for the same tier.',
 'The sources'' own CONFLICT notes in tip.published_tier_count.', NULL),
('waiver_not_on_watch_list', 'error',
 'Every automatic-downgrade waiver country is on the Tier 2 Watch List that year',
 'Failed: a country granted a waiver of the automatic downgrade is placed on another tier in the same report. Shown, not failed: its placement is not loaded. Not checkable: no waiver list is loaded for the report.',
 '22 U.S.C. 7107(b)(2)(D)(ii): the waiver keeps a country that would be downgraded to Tier 3 on the special watch list (Tier 2 Watch List); see tip.watch_list_rule.', 2009),
('watch_list_streak_without_waiver', 'warning',
 'A country on the Watch List longer than its year''s rule allows has a waiver',
 'Failed: a country on the Tier 2 Watch List after the consecutive Watch List reports that trigger the automatic downgrade (counted from the first report the rule governs) without a waiver loaded for that report, or beyond the years a waiver may last. A warning: the waiver lists of several years are incomplete (see the auto_downgrade_audit query).',
 'The automatic-downgrade rules of tip.watch_list_rule (22 U.S.C. 7107(b)(2)(D); Pub. L. 110-457 from the 2009 report, waivers of up to 2 years, then of up to 1 year).', 2009),
('state_sponsored_not_on_tier_3', 'error',
 'Every country listed for state-sponsored trafficking is on Tier 3',
 'Failed: a country the report lists as having a government policy or pattern of trafficking is placed on another tier, from the first report the law governs. Shown, not failed: its placement is not loaded. Not checkable: before that report, or no list loaded.',
 '22 U.S.C. 7107(b)(3)(B): a government policy or pattern of trafficking is proof of failure to make significant efforts, i.e. Tier 3 (7107(b)(1)(C)). The amending act was not identified in stored sources (January 2019 reauthorizations); the first report taken as governed is 2020, the first whose narratives state the finding in the statute''s words (seeds/SOURCES-findings.md, special_lists_2020.csv) and whose reporting period reports.csv dates by 7107(b)(1) as amended by Pub. L. 115-427.', 2020),
('tier_skipped', 'warning',
 'No country moves two tiers in one report',
 'Failed: a country placed on Tier 3 in one report and Tier 1 in the next, or the reverse (the law''s lists (C) and (A), skipping Tier 2). Legal, but rare enough to confirm from the narratives.',
 'The tiers of the law, 22 U.S.C. 7107(b)(1)(A)-(C) (tip.tier.level; the Watch List is part of Tier 2).', NULL),
('listed_country_not_placed', 'error',
 'Every country on an official list of a report is placed in that report',
 'Failed: a country on an official list (CSPA, waivers, state-sponsored trafficking) of a report whose placements are all loaded has no placement in it. Shown, not failed: the same in an incomplete report.',
 'The lists are part of, or issued with, the report on the same governments (tip.list_membership, tip.report.countries_ranked).', NULL),
('conflict_note_contradicts_placement', 'warning',
 'Recorded conflicts agree with the placements loaded',
 'Failed: a disputed statement marked ACCEPTED whose tier differs from the loaded placement, or one not marked ACCEPTED whose tier is the loaded placement (a value said to be left out is in).',
 'The conflict notes of tip.ranking_conflict.', NULL),
('special_watch_list_size', 'error',
 'The Special Watch List computed from the placements has its published size',
 'Failed: the Tier 2 Watch List countries plus the countries that moved up a full tier (Tier 3 to Tier 2, Tier 2 to Tier 1) are more than the published Special Watch List, or fewer where both reports'' placements are all loaded; the same for the Watch List and moves-up counts where the source gives them. Shown, not failed: fewer in an incomplete report. Not checkable: no published size.',
 '22 U.S.C. 7107(b)(2)(A) and the Special Watch List sizes published in the Interim Assessments (tip.special_watch_list_count), against the list computed from the placements (tip.special_watch_list).', NULL);

CREATE VIEW tip.check_placements_vs_published_total AS
SELECT y.report_year, NULL::text AS iso3,
       CASE WHEN y.published_total IS NULL THEN 'not_checkable'
            WHEN y.placements > y.published_total THEN 'failed' ELSE 'note' END AS outcome,
       CASE WHEN y.published_total IS NULL THEN 'no published total for this report'
            WHEN y.placements > y.published_total
                THEN format('%s placements loaded, more than the %s countries the report placed',
                            y.placements, y.published_total)
            ELSE format('incomplete: %s of the %s placements loaded (%s missing)',
                        y.placements, y.published_total, y.published_total - y.placements) END AS detail
FROM tip.check_year y
WHERE y.published_total IS DISTINCT FROM y.placements;
COMMENT ON VIEW tip.check_placements_vs_published_total IS 'Rule placements_vs_published_total (tip.check_rule): reports with more placements than published (failed), fewer (note) or no published total (not_checkable).';

CREATE VIEW tip.check_tier_counts_vs_published AS
WITH published AS (
    SELECT p.report_year, p.tier_code, p.count
    FROM tip.published_tier_count p JOIN tip.source s USING (source_id)
    WHERE s.citation NOT LIKE '%CONFLICT%'
), loaded AS (
    SELECT report_year, tier_code, count(*) AS placements FROM tip.ranking GROUP BY report_year, tier_code
)
SELECT p.report_year, NULL::text AS iso3,
       CASE WHEN coalesce(l.placements, 0) > p.count OR y.complete THEN 'failed' ELSE 'note' END AS outcome,
       CASE WHEN coalesce(l.placements, 0) > p.count
                THEN format('%s: %s placements loaded, more than the %s published', t.label, coalesce(l.placements, 0), p.count)
            WHEN y.complete
                THEN format('%s: %s placements loaded but %s published, in a report whose placements are all loaded',
                            t.label, coalesce(l.placements, 0), p.count)
            ELSE format('incomplete: %s: %s of the %s published placements loaded', t.label, coalesce(l.placements, 0), p.count)
       END AS detail
FROM published p
JOIN tip.tier t USING (tier_code)
JOIN tip.check_year y USING (report_year)
LEFT JOIN loaded l USING (report_year, tier_code)
WHERE coalesce(l.placements, 0) <> p.count
UNION ALL
SELECT r.report_year, NULL, 'not_checkable', 'no per-tier count published for this report (none not marked CONFLICT)'
FROM tip.report r
WHERE NOT EXISTS (SELECT FROM published p WHERE p.report_year = r.report_year);
COMMENT ON VIEW tip.check_tier_counts_vs_published IS 'Rule tier_counts_vs_published (tip.check_rule): tiers whose loaded placements differ from a published count not marked CONFLICT.';

CREATE VIEW tip.check_published_count_in_conflict AS
WITH counts AS (
    SELECT p.report_year, p.tier_code, p.count, s.citation, s.citation LIKE '%CONFLICT%' AS marked
    FROM tip.published_tier_count p JOIN tip.source s USING (source_id)
), loaded AS (
    SELECT report_year, tier_code, count(*) AS placements FROM tip.ranking GROUP BY report_year, tier_code
)
SELECT c.report_year, NULL::text AS iso3, 'failed' AS outcome,
       format('%s: a source published %s, %s placements loaded; its note: %s',
              t.label, c.count, coalesce(l.placements, 0), left(substr(c.citation, strpos(c.citation, 'CONFLICT')), 200)) AS detail
FROM counts c
JOIN tip.tier t USING (tier_code)
LEFT JOIN loaded l USING (report_year, tier_code)
WHERE c.marked
UNION ALL
SELECT c.report_year, NULL, 'failed',
       format('%s: sources published different counts (%s)', t.label, string_agg(DISTINCT c.count::text, ', '))
FROM counts c
JOIN tip.tier t USING (tier_code)
WHERE NOT c.marked
GROUP BY c.report_year, t.label
HAVING count(DISTINCT c.count) > 1;
COMMENT ON VIEW tip.check_published_count_in_conflict IS 'Rule published_count_in_conflict (tip.check_rule): published counts marked CONFLICT, and tiers for which sources published different counts.';

CREATE VIEW tip.check_waiver_not_on_watch_list AS
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
COMMENT ON VIEW tip.check_waiver_not_on_watch_list IS 'Rule waiver_not_on_watch_list (tip.check_rule): waiver countries not placed on the Tier 2 Watch List in the year of the waiver.';

CREATE VIEW tip.check_watch_list_streak_without_waiver AS
WITH rules AS (
    SELECT w.rule_id, w.effective_from_report_year AS from_year,
           coalesce(w.effective_to_report_year, 9999) AS to_year,
           w.consecutive_years_on_watch_list AS trigger_years, w.waiver_years
    FROM tip.watch_list_rule w
    WHERE w.consecutive_years_on_watch_list IS NOT NULL AND w.effective_from_report_year IS NOT NULL
), numbered AS (
    SELECT report_year, row_number() OVER (ORDER BY report_year) AS report_number FROM tip.report
), watch_list AS (
    -- Gaps and islands: consecutive reports on the Watch List share run_key. Counted from the first report
    -- any automatic-downgrade rule governs ("2 consecutive years after December 23, 2008").
    SELECT r.report_year, r.iso3,
           n.report_number - row_number() OVER (PARTITION BY r.iso3 ORDER BY r.report_year) AS run_key
    FROM tip.ranking r JOIN numbered n USING (report_year)
    WHERE r.tier_code = '2WL' AND r.report_year >= (SELECT min(from_year) FROM rules)
), runs AS (
    SELECT report_year, iso3,
           row_number() OVER (PARTITION BY iso3, run_key ORDER BY report_year) - 1 AS reports_before,
           min(report_year) OVER (PARTITION BY iso3, run_key) AS run_since
    FROM watch_list
)
SELECT s.report_year, s.iso3, 'failed' AS outcome,
       CASE WHEN s.reports_before >= g.trigger_years + g.waiver_years
            THEN format('on the Tier 2 Watch List in %s consecutive reports since %s: beyond the %s that trigger the automatic downgrade plus a waiver of up to %s year(s) (rule %s)%s',
                        s.reports_before + 1, s.run_since, g.trigger_years, g.waiver_years, g.rule_id,
                        CASE WHEN waiver.iso3 IS NULL THEN '; no waiver loaded' ELSE '' END)
            ELSE format('on the Tier 2 Watch List in %s consecutive reports since %s, past the %s that trigger the automatic downgrade (rule %s), and no waiver is loaded for this report',
                        s.reports_before + 1, s.run_since, g.trigger_years, g.rule_id) END AS detail
FROM runs s
JOIN rules g ON s.report_year BETWEEN g.from_year AND g.to_year
LEFT JOIN (SELECT DISTINCT report_year, iso3 FROM tip.list_membership WHERE list_code = 'auto_downgrade_waiver') waiver
       USING (report_year, iso3)
WHERE s.reports_before >= g.trigger_years
  AND (waiver.iso3 IS NULL OR s.reports_before >= g.trigger_years + g.waiver_years)
UNION ALL
SELECT r.report_year, NULL, 'not_checkable', 'no automatic-downgrade rule governs this report'
FROM tip.report r
WHERE NOT EXISTS (SELECT FROM rules g WHERE r.report_year BETWEEN g.from_year AND g.to_year);
COMMENT ON VIEW tip.check_watch_list_streak_without_waiver IS 'Rule watch_list_streak_without_waiver (tip.check_rule): countries kept on the Watch List past the automatic-downgrade trigger without a loaded waiver, or past the waiver period.';

CREATE VIEW tip.check_state_sponsored_not_on_tier_3 AS
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
COMMENT ON VIEW tip.check_state_sponsored_not_on_tier_3 IS 'Rule state_sponsored_not_on_tier_3 (tip.check_rule): countries listed for state-sponsored trafficking and not on Tier 3, from the first report the law governs.';

CREATE VIEW tip.check_tier_skipped AS
WITH placed AS (
    SELECT r.report_year, r.iso3, t.label, t.level,
           lag(r.report_year) OVER by_country AS last_year,
           lag(t.level) OVER by_country AS last_level,
           lag(t.label) OVER by_country AS last_label
    FROM tip.ranking r JOIN tip.tier t USING (tier_code)
    WINDOW by_country AS (PARTITION BY r.iso3 ORDER BY r.report_year)
)
SELECT p.report_year, p.iso3, 'failed' AS outcome,
       format('%s in %s, %s in %s', p.last_label, p.last_year, p.label, p.report_year) AS detail
FROM placed p
JOIN tip.check_year y ON y.report_year = p.report_year AND y.previous_report_year = p.last_year
WHERE abs(p.level - p.last_level) > 1;
COMMENT ON VIEW tip.check_tier_skipped IS 'Rule tier_skipped (tip.check_rule): moves between Tier 3 and Tier 1 in one report.';

CREATE VIEW tip.check_listed_country_not_placed AS
SELECT m.report_year, m.iso3,
       CASE WHEN y.complete THEN 'failed' ELSE 'note' END AS outcome,
       format('on the list %s, but no placement loaded%s', string_agg(l.name, ', ' ORDER BY l.name),
              CASE WHEN y.complete THEN '' ELSE ' (the report''s placements are incomplete)' END) AS detail
FROM (SELECT DISTINCT report_year, list_code, iso3 FROM tip.list_membership) m
JOIN tip.official_list l USING (list_code)
JOIN tip.check_year y USING (report_year)
WHERE NOT EXISTS (SELECT FROM tip.ranking r WHERE r.report_year = m.report_year AND r.iso3 = m.iso3)
GROUP BY m.report_year, m.iso3, y.complete;
COMMENT ON VIEW tip.check_listed_country_not_placed IS 'Rule listed_country_not_placed (tip.check_rule): countries on an official list of a report without a placement in it.';

CREATE VIEW tip.check_conflict_note_contradicts_placement AS
SELECT c.report_year, c.iso3, 'failed' AS outcome,
       CASE WHEN s.citation LIKE '%ACCEPTED%'
            THEN format('a conflict note accepts %s, but %s is loaded', t.label, coalesce(lt.label, 'no placement'))
            ELSE format('a conflict note leaves %s out, but it is the placement loaded', t.label) END AS detail
FROM tip.ranking_conflict c
JOIN tip.source s USING (source_id)
JOIN tip.tier t USING (tier_code)
LEFT JOIN tip.ranking r ON r.report_year = c.report_year AND r.iso3 = c.iso3
LEFT JOIN tip.tier lt ON lt.tier_code = r.tier_code
WHERE (s.citation LIKE '%ACCEPTED%') = (r.tier_code IS DISTINCT FROM c.tier_code);
COMMENT ON VIEW tip.check_conflict_note_contradicts_placement IS 'Rule conflict_note_contradicts_placement (tip.check_rule): conflict notes that disagree with the loaded placement.';

-- The Special Watch List as computed in analytics.special_watch_list (0025, 0031), moved into the core layer
-- so that the rule below reads it without pointing back at the analytics views; the analytics view becomes
-- a plain window on it (same columns, same computation).
CREATE VIEW tip.special_watch_list AS
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
       w.source_id
FROM tip.report r
LEFT JOIN computed c USING (report_year)
LEFT JOIN tip.special_watch_list_count w USING (report_year);
COMMENT ON VIEW tip.special_watch_list IS 'Grain: one row per report year. The Special Watch List computed from the placements beside its published size; read it as analytics.special_watch_list.';
COMMENT ON COLUMN tip.special_watch_list.report_year IS 'Report whose placements make the list.';
COMMENT ON COLUMN tip.special_watch_list.on_watch_list IS 'Countries on the Tier 2 Watch List in the report, as loaded.';
COMMENT ON COLUMN tip.special_watch_list.moved_up IS 'Countries (not on the Watch List) whose tier of the law (tip.tier.level) is lower than in the preceding report.';
COMMENT ON COLUMN tip.special_watch_list.computed_size IS 'on_watch_list + moved_up.';
COMMENT ON COLUMN tip.special_watch_list.published_size IS 'Size the interim assessment on this report published; NULL where none was found.';
COMMENT ON COLUMN tip.special_watch_list.published_on_watch_list IS 'Of those, Watch List countries, where the source says.';
COMMENT ON COLUMN tip.special_watch_list.published_moved_up IS 'Of those, countries that moved up a full tier, where the source says.';
COMMENT ON COLUMN tip.special_watch_list.source_id IS 'Source of the published figures (tip.source).';

CREATE OR REPLACE VIEW analytics.special_watch_list AS
SELECT w.report_year,
       make_date(w.report_year, 1, 1) AS report_year_date,
       w.on_watch_list,
       w.moved_up,
       w.computed_size,
       w.published_size,
       w.published_on_watch_list,
       w.published_moved_up,
       w.computed_size = w.published_size AS matches_published,
       s.citation AS source
FROM tip.special_watch_list w
LEFT JOIN tip.source s ON s.source_id = w.source_id;

CREATE VIEW tip.check_special_watch_list_size AS
WITH compared AS (
    SELECT w.report_year, y.complete AND py.complete AS placements_complete,
           w.computed_size, w.published_size, w.on_watch_list, w.published_on_watch_list,
           w.moved_up, w.published_moved_up
    FROM tip.special_watch_list w
    JOIN tip.check_year y USING (report_year)
    LEFT JOIN tip.check_year py ON py.report_year = y.previous_report_year
), differences AS (
    SELECT report_year, placements_complete, 'Special Watch List' AS what, computed_size AS computed,
           published_size AS published
    FROM compared WHERE published_size IS NOT NULL
    UNION ALL
    SELECT report_year, placements_complete, 'Tier 2 Watch List part', on_watch_list, published_on_watch_list
    FROM compared WHERE published_on_watch_list IS NOT NULL
    UNION ALL
    SELECT report_year, placements_complete, 'moved-up part', moved_up, published_moved_up
    FROM compared WHERE published_moved_up IS NOT NULL
)
SELECT d.report_year, NULL::text AS iso3,
       CASE WHEN d.computed > d.published OR d.placements_complete IS TRUE THEN 'failed' ELSE 'note' END AS outcome,
       format('%s: %s computed from the placements, %s published%s', d.what, d.computed, d.published,
              CASE WHEN d.computed < d.published AND d.placements_complete IS NOT TRUE
                   THEN ' (this report or the one before is incomplete)' ELSE '' END) AS detail
FROM differences d
WHERE d.computed <> d.published
UNION ALL
SELECT c.report_year, NULL, 'not_checkable', 'no published Special Watch List size for this report'
FROM compared c
WHERE c.published_size IS NULL;
COMMENT ON VIEW tip.check_special_watch_list_size IS 'Rule special_watch_list_size (tip.check_rule): reports whose Special Watch List computed from the placements (tip.special_watch_list) differs from its published size or parts.';

-- Every rule's rows, tagged with the rule. A rule whose view is missing (its data kind is not in this
-- database yet) is not checkable in every report. SECURITY DEFINER: tip_reader reads the results through
-- analytics.check_results without any right on schema tip; the function takes no input.
CREATE FUNCTION tip.check_findings()
RETURNS TABLE (rule_id text, report_year smallint, iso3 text, outcome text, detail text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rule record;
BEGIN
    FOR rule IN SELECT c.rule_id AS id, 'check_' || c.rule_id AS relation FROM tip.check_rule c ORDER BY c.rule_id LOOP
        IF to_regclass(format('tip.%I', rule.relation)) IS NULL THEN
            RETURN QUERY SELECT rule.id, r.report_year, NULL::text, 'not_checkable'::text,
                                format('the rule''s query tip.%s is not in this database (its data is not loaded yet)', rule.relation)
                         FROM tip.report r;
        ELSE
            RETURN QUERY EXECUTE format('SELECT %L::text, v.report_year::smallint, v.iso3::text, v.outcome::text, v.detail::text FROM tip.%I v',
                                        rule.id, rule.relation);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION tip.check_findings() IS 'Rows of every check rule (tip.check_rule), each from its view tip.check_<rule_id>; read it as analytics.check_results.';
REVOKE EXECUTE ON FUNCTION tip.check_findings() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tip.check_findings() TO tip_reader;

CREATE VIEW analytics.check_rules AS
SELECT c.rule_id, c.severity, c.title, c.description, c.basis, c.applies_from_report_year
FROM tip.check_rule c;
COMMENT ON VIEW analytics.check_rules IS 'Grain: one row per consistency rule of the data (tipdb check). Their results are in analytics.check_results.';
COMMENT ON COLUMN analytics.check_rules.rule_id IS 'Identifier of the rule.';
COMMENT ON COLUMN analytics.check_rules.severity IS 'error: the law or a published figure is contradicted; warning: unusual, to be looked at.';
COMMENT ON COLUMN analytics.check_rules.title IS 'What the rule expects, in one line.';
COMMENT ON COLUMN analytics.check_rules.description IS 'What a failed row means, and what is shown but not counted as a failure.';
COMMENT ON COLUMN analytics.check_rules.basis IS 'The legal provision or published figure the rule rests on.';
COMMENT ON COLUMN analytics.check_rules.applies_from_report_year IS 'First report the rule governs where the law sets one; NULL: every report.';

CREATE VIEW analytics.check_results AS
SELECT f.rule_id, c.severity, c.title, f.report_year, make_date(f.report_year, 1, 1) AS report_year_date,
       f.iso3, k.name AS country, f.outcome, f.detail
FROM tip.check_findings() f
JOIN tip.check_rule c USING (rule_id)
LEFT JOIN tip.country k USING (iso3);
COMMENT ON VIEW analytics.check_results IS 'Grain: one row per finding of a consistency rule: a row that breaks it (failed), a shortfall shown but not counted (note), or a report it cannot check (not_checkable). A rule with no failed row in a report passed there.';
COMMENT ON COLUMN analytics.check_results.rule_id IS 'Rule (analytics.check_rules).';
COMMENT ON COLUMN analytics.check_results.severity IS 'The rule''s severity: error or warning.';
COMMENT ON COLUMN analytics.check_results.title IS 'What the rule expects.';
COMMENT ON COLUMN analytics.check_results.report_year IS 'Report the finding is about.';
COMMENT ON COLUMN analytics.check_results.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.check_results.iso3 IS 'Country concerned; NULL for findings about a whole report.';
COMMENT ON COLUMN analytics.check_results.country IS 'Canonical country name; NULL for findings about a whole report.';
COMMENT ON COLUMN analytics.check_results.outcome IS 'failed: breaks the rule; note: an incompleteness shown, not a failure; not_checkable: nothing published to check this report against.';
COMMENT ON COLUMN analytics.check_results.detail IS 'What was found, with the figures compared.';
GRANT SELECT ON analytics.check_rules, analytics.check_results TO tip_reader;

-- Every rule view has the same four columns as analytics.check_results: copy their comments rather than repeat them.
DO $$
DECLARE
    described record;
BEGIN
    FOR described IN
        SELECT v.oid::regclass AS relation, a.attname, col_description('analytics.check_results'::regclass, ra.attnum) AS description
        FROM pg_class v
        JOIN pg_namespace n ON n.oid = v.relnamespace AND n.nspname = 'tip'
        JOIN pg_attribute a ON a.attrelid = v.oid AND a.attnum > 0
        JOIN pg_attribute ra ON ra.attrelid = 'analytics.check_results'::regclass AND ra.attname = a.attname
        WHERE v.relkind = 'v' AND v.relname LIKE 'check\_%' AND v.relname <> 'check_year'
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', described.relation, described.attname, described.description);
    END LOOP;
END
$$;
