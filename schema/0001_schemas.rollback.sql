DROP SCHEMA analytics;
DROP SCHEMA tip;
