-- analytics.coverage also gives each year's check results (tipdb check), so that a year's completeness and
-- its contradictions are read in one place. Columns are only added: tip.ranking_history reads this view.
-- depends: 0040_checks
CREATE OR REPLACE VIEW analytics.coverage AS
WITH loaded AS (
    SELECT report_year, count(*) AS placements,
           count(*) FILTER (WHERE s.verification = 'derived') AS derived_placements
    FROM tip.ranking JOIN tip.source s USING (source_id)
    GROUP BY report_year
), per_tier AS (
    SELECT report_year,
           count(*) FILTER (WHERE published_count IS NOT NULL) = 5 AS every_tier_published,
           bool_and(matches_published) FILTER (WHERE published_count IS NOT NULL) AS published_tiers_match,
           coalesce(bool_or(placements < published_count), false) AS some_tier_short
    FROM analytics.tier_counts
    GROUP BY report_year
), checks AS (
    SELECT f.report_year,
           count(*) FILTER (WHERE f.outcome = 'failed' AND c.severity = 'error') AS check_errors,
           count(*) FILTER (WHERE f.outcome = 'failed' AND c.severity = 'warning') AS check_warnings
    FROM tip.check_findings() f JOIN tip.check_rule c USING (rule_id)
    GROUP BY f.report_year
)
SELECT r.report_year,
       coalesce(l.placements, 0) AS placements,
       coalesce(l.derived_placements, 0) AS derived_placements,
       r.countries_ranked AS published_total,
       CASE
           WHEN r.countries_ranked IS NOT NULL THEN coalesce(l.placements, 0) >= r.countries_ranked
           WHEN p.some_tier_short THEN false
           WHEN p.every_tier_published THEN p.published_tiers_match
       END AS complete,
       CASE WHEN r.countries_ranked > coalesce(l.placements, 0)
            THEN r.countries_ranked - coalesce(l.placements, 0) END AS missing_placements,
       p.published_tiers_match,
       coalesce(k.check_errors, 0) AS check_errors,
       coalesce(k.check_warnings, 0) AS check_warnings
FROM tip.report r
LEFT JOIN loaded l USING (report_year)
LEFT JOIN per_tier p USING (report_year)
LEFT JOIN checks k USING (report_year);

COMMENT ON COLUMN analytics.coverage.check_errors IS 'Rows of the year that break an error rule of tipdb check (analytics.check_results): contradictions with the law or a published figure.';
COMMENT ON COLUMN analytics.coverage.check_warnings IS 'Rows of the year that break a warning rule of tipdb check: unusual facts to be looked at.';
