-- name: tier_changes
-- description: Upgrades and downgrades in a report year (who was downgraded in 2020?).
-- grain: one row per country that moved between tiers
-- param: year integer | report year (default: the latest report)
-- param: direction text {upgrade, downgrade} | upgrade or downgrade (default: both)
SELECT r.report_year, r.country, r.region, r.previous_tier, r.tier, r.change, r.verification
FROM analytics.rankings r
WHERE r.report_year = coalesce(%(year)s, (SELECT max(report_year) FROM analytics.reports))
  AND r.change IN ('upgrade', 'downgrade')
  AND r.change = coalesce(%(direction)s, r.change)
ORDER BY r.change DESC, r.country
