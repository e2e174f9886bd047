DROP TABLE tip.ranking_conflict;
DROP TABLE tip.published_tier_count;
DELETE FROM tip.load_run WHERE file_kind IN ('tier_counts', 'tier_conflicts');
