DROP TABLE tip.enforcement_stat;
DELETE FROM tip.load_run WHERE file_kind = 'enforcement';
