DROP TABLE tip.country_name;
DROP TABLE tip.country;
DROP TABLE tip.region;
-- The rows are gone, so the loads that wrote them must be forgotten, or `tipdb up` would skip their files.
DELETE FROM tip.load_run WHERE file_kind IN ('countries', 'country_names');
