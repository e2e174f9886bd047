-- name: country_history
-- description: One country's tier in every report, with the change from the report before.
-- grain: one row per report year in which the country has a placement
-- param: country country required | any spelling of the country's name, or its ISO3 code (Burma, Myanmar, MMR)
SELECT r.report_year, r.country, r.tier, r.tier_label, r.previous_tier, r.change, r.verification, r.source
FROM analytics.rankings r
WHERE r.iso3 = analytics.resolve_country(%(country)s)
ORDER BY r.report_year
