-- Undoes 0040: no client reads the column before it.
-- squawk-ignore ban-drop-column
ALTER TABLE tip.tier DROP COLUMN statutory_tier;
