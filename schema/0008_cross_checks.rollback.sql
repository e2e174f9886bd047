DROP TABLE tip.ranking_conflict;
DROP TABLE tip.published_tier_count;
