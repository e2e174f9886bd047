DROP VIEW analytics.watch_list_rules;
DROP VIEW analytics.enforcement;
DROP VIEW analytics.designations;
DROP VIEW analytics.findings;
DROP VIEW analytics.official_lists;
DROP VIEW analytics.finding_categories;
