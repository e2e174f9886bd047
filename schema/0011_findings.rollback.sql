DROP TABLE tip.finding;
DROP TABLE tip.finding_category;
DELETE FROM tip.load_run WHERE file_kind = 'findings';
