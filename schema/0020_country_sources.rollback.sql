-- Undoing the migration that added it: no client predates it.
-- squawk-ignore ban-drop-column
ALTER TABLE tip.country DROP COLUMN source_id;
