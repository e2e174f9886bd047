-- Every analytics view keyed by report year also carries report_year_date (1 January of that year), so
-- that BI tools which need a temporal column for a time series (Superset's date_trunc on smallint fails)
-- can chart any of them without custom SQL. 1 January rather than the release day: it is the same
-- in every view, needs no join, and a yearly time grain groups it exactly as report_year.
-- squawk-ignore-file ban-drop-view
-- (each view is recreated at once with the same columns plus the date, placed next to report_year)
-- depends: 0030_history_table
DROP VIEW analytics.reports;
DROP VIEW analytics.tier_counts;
DROP VIEW analytics.coverage;
DROP VIEW analytics.rankings;
DROP VIEW analytics.findings;
DROP VIEW analytics.designations;
DROP VIEW analytics.enforcement;
DROP VIEW analytics.special_watch_list;

CREATE VIEW analytics.reports AS
SELECT r.report_year,
       make_date(r.report_year, 1, 1) AS report_year_date,
       r.report_year - 1 AS fiscal_year,
       r.title,
       r.release_date,
       r.reporting_period_start,
       r.reporting_period_end,
       r.countries_ranked,
       s.citation AS source
FROM tip.report r JOIN tip.source s USING (source_id);
COMMENT ON VIEW analytics.reports IS 'Grain: one row per annual report.';
COMMENT ON COLUMN analytics.reports.report_year IS 'Year the report was published; every other view keys on it.';
COMMENT ON COLUMN analytics.reports.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.reports.fiscal_year IS 'The year news stories attach to the report: "the 2019 fiscal year report" is the 2020 report. Always report_year - 1.';
COMMENT ON COLUMN analytics.reports.title IS 'Conventional title.';
COMMENT ON COLUMN analytics.reports.release_date IS 'Day of release.';
COMMENT ON COLUMN analytics.reports.reporting_period_start IS 'Start of the period covered (1 April of the year before, where a source states it); NULL if unstated.';
COMMENT ON COLUMN analytics.reports.reporting_period_end IS 'End of the period covered (31 March); NULL if unstated.';
COMMENT ON COLUMN analytics.reports.countries_ranked IS 'Countries placed, as a source states it; NULL where no exact figure was found.';
COMMENT ON COLUMN analytics.reports.source IS 'Citation for the release date and figures.';

CREATE VIEW analytics.tier_counts AS
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
COMMENT ON VIEW analytics.tier_counts IS 'Grain: one row per report year and tier, with the placements loaded and the count published, if any.';
COMMENT ON COLUMN analytics.tier_counts.report_year IS 'Report year.';
COMMENT ON COLUMN analytics.tier_counts.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.tier_counts.tier IS 'Tier code: 1, 2, 2WL, 3, special_case.';
COMMENT ON COLUMN analytics.tier_counts.tier_label IS 'Tier name as printed in the report.';
COMMENT ON COLUMN analytics.tier_counts.tier_ordinal IS 'Sort order, 1 (Tier 1) to 5 (Special Case).';
COMMENT ON COLUMN analytics.tier_counts.placements IS 'Placements on this tier loaded in tipdb.';
COMMENT ON COLUMN analytics.tier_counts.derived_placements IS 'Of those, placements derived from other statements rather than read.';
COMMENT ON COLUMN analytics.tier_counts.published_count IS 'Count a source published for this tier; NULL if none was found or sources disagree.';
COMMENT ON COLUMN analytics.tier_counts.published_counts_disagree IS 'True when two sources published different counts (both are in tip.published_tier_count).';
COMMENT ON COLUMN analytics.tier_counts.matches_published IS 'Whether placements equals published_count; NULL when there is no single published count.';

CREATE VIEW analytics.coverage AS
SELECT report_year, make_date(report_year, 1, 1) AS report_year_date, placements, derived_placements, published_total, complete, missing_placements,
       published_tiers_match
FROM tip.report_completeness;
COMMENT ON VIEW analytics.coverage IS 'Grain: one row per report year. How far each year''s placements can be trusted: loaded against published totals.';
COMMENT ON COLUMN analytics.coverage.report_year IS 'Report year.';
COMMENT ON COLUMN analytics.coverage.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.coverage.placements IS 'Placements loaded for the year.';
COMMENT ON COLUMN analytics.coverage.derived_placements IS 'Of those, placements derived from other statements rather than read.';
COMMENT ON COLUMN analytics.coverage.published_total IS 'Countries the report placed, as a source states it; NULL where unknown.';
COMMENT ON COLUMN analytics.coverage.complete IS 'True when every published placement is loaded; false when the loaded placements fall short of a published total or tier count; NULL when nothing published allows checking (2021: no total was found).';
COMMENT ON COLUMN analytics.coverage.missing_placements IS 'Published total minus placements loaded, where positive.';
COMMENT ON COLUMN analytics.coverage.published_tiers_match IS 'Whether every tier with a single published count has exactly that many placements; NULL if no tier count was published.';

CREATE VIEW analytics.rankings AS
SELECT h.report_year, make_date(h.report_year, 1, 1) AS report_year_date, h.iso3, h.country, h.region, h.subregion, h.tier, h.tier_label, h.tier_ordinal,
       h.previous_tier, h.change, h.next_tier, h.tier_since, h.reports_on_tier, s.citation AS source,
       s.verification
FROM tip.ranking_history h
LEFT JOIN tip.source s ON s.source_id = h.source_id;
COMMENT ON VIEW analytics.rankings IS 'Grain: one row per country per report year. Tier placements with the change from the preceding report.';
COMMENT ON COLUMN analytics.rankings.report_year IS 'Report year (year of publication).';
COMMENT ON COLUMN analytics.rankings.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
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

CREATE VIEW analytics.findings AS
SELECT f.finding_id, f.report_year, make_date(f.report_year, 1, 1) AS report_year_date, f.iso3, c.name AS country, f.category, fc.label AS category_label,
       f.summary, f.search_vector, s.citation AS source, s.source_kind, s.verification
FROM tip.finding f
JOIN tip.finding_category fc USING (category)
JOIN tip.source s USING (source_id)
LEFT JOIN tip.country c USING (iso3);
COMMENT ON VIEW analytics.findings IS 'Grain: one row per finding (a short paraphrase of one statement of a report). Search with: search_vector @@ websearch_to_tsquery(''english'', ''forced labor'').';
COMMENT ON COLUMN analytics.findings.finding_id IS 'Identifier of the finding.';
COMMENT ON COLUMN analytics.findings.report_year IS 'Report that states it.';
COMMENT ON COLUMN analytics.findings.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
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
COMMENT ON VIEW analytics.designations IS 'Grain: one row per country per official list per report year, with every source that states it.';
COMMENT ON COLUMN analytics.designations.report_year IS 'Report year of the list.';
COMMENT ON COLUMN analytics.designations.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
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
SELECT report_year, make_date(report_year, 1, 1) AS report_year_date, data_year, prosecutions, prosecutions_labor, convictions, convictions_labor,
       victims_identified, victims_identified_labor, new_or_amended_legislation,
       CASE WHEN previous_year = report_year - 1 THEN prosecutions - previous_prosecutions END AS prosecutions_change,
       CASE WHEN previous_year = report_year - 1 THEN convictions - previous_convictions END AS convictions_change,
       CASE WHEN previous_year = report_year - 1 THEN victims_identified - previous_victims_identified END
           AS victims_identified_change,
       citation AS source, source_kind
FROM figures;
COMMENT ON VIEW analytics.enforcement IS 'Grain: one row per report year. Global law-enforcement figures with the change from the previous report; NULL where a figure is missing, never zero.';
COMMENT ON COLUMN analytics.enforcement.report_year IS 'Report that printed the figures.';
COMMENT ON COLUMN analytics.enforcement.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
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

CREATE VIEW analytics.special_watch_list AS
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
       make_date(r.report_year, 1, 1) AS report_year_date,
       coalesce(c.on_watch_list, 0) AS on_watch_list,
       coalesce(c.moved_up, 0) AS moved_up,
       coalesce(c.on_watch_list, 0) + coalesce(c.moved_up, 0) AS computed_size,
       w.special_watch_list AS published_size,
       w.on_watch_list AS published_on_watch_list,
       w.moved_up AS published_moved_up,
       coalesce(c.on_watch_list, 0) + coalesce(c.moved_up, 0) = w.special_watch_list AS matches_published,
       s.citation AS source
FROM tip.report r
LEFT JOIN computed c USING (report_year)
LEFT JOIN tip.special_watch_list_count w USING (report_year)
LEFT JOIN tip.source s ON s.source_id = w.source_id;
COMMENT ON VIEW analytics.special_watch_list IS 'Grain: one row per report year. The Special Watch List (Tier 2 Watch List countries plus countries that moved up a full tier) computed from the placements loaded, beside the size an interim assessment published. A year or the year before it with missing placements can make the computed size too small.';
COMMENT ON COLUMN analytics.special_watch_list.report_year IS 'Report whose placements make the list.';
COMMENT ON COLUMN analytics.special_watch_list.report_year_date IS '1 January of the report year, as a date: a time axis for BI tools (Superset, Metabase) that need a temporal column. Not a release date (see analytics.reports.release_date).';
COMMENT ON COLUMN analytics.special_watch_list.on_watch_list IS 'Countries on the Tier 2 Watch List in the report, as loaded.';
COMMENT ON COLUMN analytics.special_watch_list.moved_up IS 'Countries (not on the Watch List) whose tier of the law (tip.tier.level: Tier 2 includes the Watch List) is lower than in the preceding report: Tier 2 or Watch List to Tier 1, Tier 3 to Tier 2 or 1.';
COMMENT ON COLUMN analytics.special_watch_list.computed_size IS 'on_watch_list + moved_up.';
COMMENT ON COLUMN analytics.special_watch_list.published_size IS 'Size the interim assessment on this report published; NULL where none was found.';
COMMENT ON COLUMN analytics.special_watch_list.published_on_watch_list IS 'Of those, Watch List countries, where the source says.';
COMMENT ON COLUMN analytics.special_watch_list.published_moved_up IS 'Of those, countries that moved up a full tier, where the source says.';
COMMENT ON COLUMN analytics.special_watch_list.matches_published IS 'Whether computed_size equals published_size; NULL without a published size.';
COMMENT ON COLUMN analytics.special_watch_list.source IS 'Citation of the published size.';

GRANT SELECT ON analytics.reports, analytics.tier_counts, analytics.coverage, analytics.rankings, analytics.findings, analytics.designations, analytics.enforcement, analytics.special_watch_list TO tip_reader;
