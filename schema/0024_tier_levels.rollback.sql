-- squawk-ignore ban-drop-column
ALTER TABLE tip.tier DROP COLUMN level;
