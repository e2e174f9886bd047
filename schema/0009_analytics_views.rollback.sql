DROP VIEW analytics.rankings;
DROP MATERIALIZED VIEW tip.ranking_history;
DROP VIEW analytics.coverage;
DROP VIEW analytics.tier_counts;
DROP VIEW analytics.reports;
DROP VIEW analytics.tiers;
DROP FUNCTION analytics.resolve_country(text);
DROP VIEW analytics.country_names;
DROP VIEW analytics.countries;
