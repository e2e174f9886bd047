DROP TABLE tip.country_name_pattern;
DELETE FROM tip.load_run WHERE file_kind = 'country_patterns';
