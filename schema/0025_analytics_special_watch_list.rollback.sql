DROP VIEW analytics.special_watch_list;
