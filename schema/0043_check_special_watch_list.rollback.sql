DROP VIEW analytics.special_watch_list;
DROP VIEW tip.check_special_watch_list_size;
DROP VIEW tip.special_watch_list_size;
