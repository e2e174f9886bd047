DROP TABLE tip.watch_list_rule;
DELETE FROM tip.load_run WHERE file_kind = 'watch_list_rules';
