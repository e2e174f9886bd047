-- name: longest_runs
-- description: The longest runs of consecutive reports on one tier (persistence on Tier 3). Runs are broken by any report without a placement, including years whose data is incomplete.
-- grain: one row per run of consecutive reports of one country on the tier
-- param: tier tier = 3 | tier code: 1, 2, 2WL, 3 or special_case
-- param: limit integer = 10 | how many runs to show
-- The last placement of a run is the one whose next report does not have the country on the same tier:
-- its reports_on_tier is the run's length, so no grouping is needed.
SELECT r.country, r.tier_since AS first_year, r.report_year AS last_year, r.reports_on_tier AS consecutive_reports
FROM analytics.rankings r
WHERE r.tier = %(tier)s AND r.next_tier IS DISTINCT FROM r.tier
ORDER BY consecutive_reports DESC, last_year DESC, r.country
LIMIT %(limit)s
