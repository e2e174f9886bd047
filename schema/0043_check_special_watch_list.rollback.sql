DROP VIEW tip.check_special_watch_list_size;
