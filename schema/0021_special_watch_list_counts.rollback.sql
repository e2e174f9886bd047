DROP TABLE tip.special_watch_list_count;
DELETE FROM tip.load_run WHERE file_kind = 'special_watch_list_counts';
