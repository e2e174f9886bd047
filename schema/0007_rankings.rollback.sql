DROP TABLE tip.ranking;
DELETE FROM tip.load_run WHERE file_kind = 'rankings';
