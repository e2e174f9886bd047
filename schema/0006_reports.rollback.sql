DROP TABLE tip.report;
DELETE FROM tip.load_run WHERE file_kind = 'reports';
