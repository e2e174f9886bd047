-- Analytics views over findings, official lists, enforcement figures and the Watch List rules.
-- depends: 0009_analytics_views 0010_reader_role 0011_findings 0012_official_lists 0013_enforcement 0014_watch_list_rules
CREATE VIEW analytics.finding_categories AS
SELECT category, label AS category_label, description FROM tip.finding_category;
COMMENT ON VIEW analytics.finding_categories IS 'Grain: one row per category of finding.';
COMMENT ON COLUMN analytics.finding_categories.category IS 'Category code.';
COMMENT ON COLUMN analytics.finding_categories.category_label IS 'Readable name.';
COMMENT ON COLUMN analytics.finding_categories.description IS 'What findings of the category are about.';

CREATE VIEW analytics.official_lists AS
SELECT list_code, name AS list_name, description FROM tip.official_list;
COMMENT ON VIEW analytics.official_lists IS 'Grain: one row per official list a country can be on.';
COMMENT ON COLUMN analytics.official_lists.list_code IS 'List code.';
COMMENT ON COLUMN analytics.official_lists.list_name IS 'Readable name.';
COMMENT ON COLUMN analytics.official_lists.description IS 'What being on the list means.';

CREATE VIEW analytics.findings AS
SELECT f.finding_id, f.report_year, f.iso3, c.name AS country, f.category, fc.label AS category_label,
       f.summary, f.search_vector, s.citation AS source, s.source_kind, s.verification
FROM tip.finding f
JOIN tip.finding_category fc USING (category)
JOIN tip.source s USING (source_id)
LEFT JOIN tip.country c USING (iso3);
COMMENT ON VIEW analytics.findings IS 'Grain: one row per finding (a short paraphrase of one statement of a report). Search with: search_vector @@ websearch_to_tsquery(''english'', ''forced labor'').';
COMMENT ON COLUMN analytics.findings.finding_id IS 'Identifier of the finding.';
COMMENT ON COLUMN analytics.findings.report_year IS 'Report that states it.';
COMMENT ON COLUMN analytics.findings.iso3 IS 'Country it is about; NULL for a report-wide finding.';
COMMENT ON COLUMN analytics.findings.country IS 'Canonical country name; NULL for a report-wide finding.';
COMMENT ON COLUMN analytics.findings.category IS 'Category code (state_sponsored, child_soldiers, forced_labor, sex_trafficking, prosecution, protection, prevention, tier_change, other).';
COMMENT ON COLUMN analytics.findings.category_label IS 'Readable category name.';
COMMENT ON COLUMN analytics.findings.summary IS 'Short paraphrase of the finding.';
COMMENT ON COLUMN analytics.findings.search_vector IS 'English full-text search vector of the summary.';
COMMENT ON COLUMN analytics.findings.source IS 'Citation of the source.';
COMMENT ON COLUMN analytics.findings.source_kind IS 'official or secondary where the citation says so.';
COMMENT ON COLUMN analytics.findings.verification IS 'read or derived.';

CREATE VIEW analytics.designations AS
SELECT m.report_year, m.list_code, l.name AS list_name, m.iso3, c.name AS country,
       r.tier_code AS tier,
       count(*) AS sources_count,
       string_agg(s.citation, ' | ' ORDER BY s.citation) AS sources
FROM tip.list_membership m
JOIN tip.official_list l USING (list_code)
JOIN tip.country c USING (iso3)
JOIN tip.source s USING (source_id)
LEFT JOIN tip.ranking r ON r.report_year = m.report_year AND r.iso3 = m.iso3
GROUP BY m.report_year, m.list_code, l.name, m.iso3, c.name, r.tier_code;
COMMENT ON VIEW analytics.designations IS 'Grain: one row per country per official list per report year, with every source that states it.';
COMMENT ON COLUMN analytics.designations.report_year IS 'Report year of the list.';
COMMENT ON COLUMN analytics.designations.list_code IS 'List code: cspa, auto_downgrade_waiver, special_watch_list, state_sponsored.';
COMMENT ON COLUMN analytics.designations.list_name IS 'Readable list name.';
COMMENT ON COLUMN analytics.designations.iso3 IS 'Country on the list.';
COMMENT ON COLUMN analytics.designations.country IS 'Canonical country name.';
COMMENT ON COLUMN analytics.designations.tier IS 'The country''s tier in the same report, where loaded.';
COMMENT ON COLUMN analytics.designations.sources_count IS 'How many sources state the membership.';
COMMENT ON COLUMN analytics.designations.sources IS 'Their citations, separated by " | ".';

CREATE VIEW analytics.enforcement AS
WITH figures AS (
    SELECT e.*, s.citation, s.source_kind,
           lag(e.report_year) OVER by_year AS previous_year,
           lag(e.prosecutions) OVER by_year AS previous_prosecutions,
           lag(e.convictions) OVER by_year AS previous_convictions,
           lag(e.victims_identified) OVER by_year AS previous_victims_identified
    FROM tip.enforcement_stat e JOIN tip.source s USING (source_id)
    WINDOW by_year AS (ORDER BY e.report_year)
)
SELECT report_year, data_year, prosecutions, prosecutions_labor, convictions, convictions_labor,
       victims_identified, victims_identified_labor, new_or_amended_legislation,
       CASE WHEN previous_year = report_year - 1 THEN prosecutions - previous_prosecutions END AS prosecutions_change,
       CASE WHEN previous_year = report_year - 1 THEN convictions - previous_convictions END AS convictions_change,
       CASE WHEN previous_year = report_year - 1 THEN victims_identified - previous_victims_identified END
           AS victims_identified_change,
       citation AS source, source_kind
FROM figures;
COMMENT ON VIEW analytics.enforcement IS 'Grain: one row per report year. Global law-enforcement figures with the change from the previous report; NULL where a figure is missing, never zero.';
COMMENT ON COLUMN analytics.enforcement.report_year IS 'Report that printed the figures.';
COMMENT ON COLUMN analytics.enforcement.data_year IS 'Year the figures describe.';
COMMENT ON COLUMN analytics.enforcement.prosecutions IS 'Prosecutions worldwide.';
COMMENT ON COLUMN analytics.enforcement.prosecutions_labor IS 'Labor-trafficking prosecutions.';
COMMENT ON COLUMN analytics.enforcement.convictions IS 'Convictions worldwide.';
COMMENT ON COLUMN analytics.enforcement.convictions_labor IS 'Labor-trafficking convictions.';
COMMENT ON COLUMN analytics.enforcement.victims_identified IS 'Victims identified worldwide.';
COMMENT ON COLUMN analytics.enforcement.victims_identified_labor IS 'Labor-trafficking victims identified.';
COMMENT ON COLUMN analytics.enforcement.new_or_amended_legislation IS 'New or amended laws.';
COMMENT ON COLUMN analytics.enforcement.prosecutions_change IS 'Prosecutions minus those of the previous report; NULL if either is missing.';
COMMENT ON COLUMN analytics.enforcement.convictions_change IS 'Convictions minus those of the previous report; NULL if either is missing.';
COMMENT ON COLUMN analytics.enforcement.victims_identified_change IS 'Victims identified minus those of the previous report; NULL if either is missing.';
COMMENT ON COLUMN analytics.enforcement.source IS 'Citation of the figures.';
COMMENT ON COLUMN analytics.enforcement.source_kind IS 'official or secondary, as the citation says.';

CREATE VIEW analytics.watch_list_rules AS
SELECT w.rule_id, w.effective_from_report_year, w.effective_to_report_year, w.consecutive_years_on_watch_list,
       w.max_waivers, w.waiver_years, w.summary, w.legal_source, s.citation AS source
FROM tip.watch_list_rule w JOIN tip.source s USING (source_id);
COMMENT ON VIEW analytics.watch_list_rules IS 'Grain: one row per version of a Tier 2 Watch List provision of the law.';
COMMENT ON COLUMN analytics.watch_list_rules.rule_id IS 'Identifier of the rule version.';
COMMENT ON COLUMN analytics.watch_list_rules.effective_from_report_year IS 'First report governed; NULL if no source states it.';
COMMENT ON COLUMN analytics.watch_list_rules.effective_to_report_year IS 'Last report governed; NULL while in force or unstated.';
COMMENT ON COLUMN analytics.watch_list_rules.consecutive_years_on_watch_list IS 'Consecutive Watch List years that trigger the rule.';
COMMENT ON COLUMN analytics.watch_list_rules.max_waivers IS 'Maximum number of waivers where stated (NULL: the law states a period, not a count).';
COMMENT ON COLUMN analytics.watch_list_rules.waiver_years IS 'How long a waiver may last, in years.';
COMMENT ON COLUMN analytics.watch_list_rules.summary IS 'What the rule says.';
COMMENT ON COLUMN analytics.watch_list_rules.legal_source IS 'Statute or code section.';
COMMENT ON COLUMN analytics.watch_list_rules.source IS 'Where the rule and its dates were read.';

-- 0010's default privileges cover views made by the same role; grant explicitly in case another role migrates.
GRANT SELECT ON analytics.finding_categories, analytics.official_lists, analytics.findings,
    analytics.designations, analytics.enforcement, analytics.watch_list_rules TO tip_reader;
