ALTER TABLE tip.tier DROP COLUMN statutory_tier;
