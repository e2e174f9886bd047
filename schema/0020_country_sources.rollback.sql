ALTER TABLE tip.country DROP COLUMN source_id;
