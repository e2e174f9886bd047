DROP TABLE tip.list_membership;
DROP TABLE tip.official_list;
DELETE FROM tip.load_run WHERE file_kind = 'list_memberships';
