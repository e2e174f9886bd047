-- The Tier 2 Watch List rules of the law as dated data, so that audits read the rule rather than hard-code it.
-- depends: 0003_sources 0002_load_runs
CREATE TABLE tip.watch_list_rule (
    rule_id                         text     PRIMARY KEY CHECK (rule_id ~ '^[A-Za-z0-9_]+$'),
    effective_from_report_year      smallint CHECK (effective_from_report_year BETWEEN 2001 AND 2100),
    effective_to_report_year        smallint CHECK (effective_to_report_year >= effective_from_report_year),
    consecutive_years_on_watch_list smallint CHECK (consecutive_years_on_watch_list > 0),
    max_waivers                     smallint CHECK (max_waivers >= 0),
    waiver_years                    smallint CHECK (waiver_years > 0),
    summary                         text     NOT NULL CHECK (btrim(summary) <> ''),
    legal_source                    text     NOT NULL CHECK (btrim(legal_source) <> ''),
    source_id                       bigint   NOT NULL REFERENCES tip.source,
    load_run_id                     bigint   NOT NULL REFERENCES tip.load_run
);
COMMENT ON TABLE tip.watch_list_rule IS 'Versions of the Tier 2 Watch List provisions of the Trafficking Victims Protection Act, with the report years each governs where a source states them.';
COMMENT ON COLUMN tip.watch_list_rule.rule_id IS 'Identifier of the rule version.';
COMMENT ON COLUMN tip.watch_list_rule.effective_from_report_year IS 'First report the rule governs; NULL where no source states it.';
COMMENT ON COLUMN tip.watch_list_rule.effective_to_report_year IS 'Last report the rule governs; NULL while in force or unstated.';
COMMENT ON COLUMN tip.watch_list_rule.consecutive_years_on_watch_list IS 'Consecutive years on the Watch List that trigger the rule (for the automatic downgrade: 2).';
COMMENT ON COLUMN tip.watch_list_rule.max_waivers IS 'Maximum number of waivers, where the law states a count (it states a period instead, so NULL so far).';
COMMENT ON COLUMN tip.watch_list_rule.waiver_years IS 'How many years a waiver may last.';
COMMENT ON COLUMN tip.watch_list_rule.summary IS 'What the rule says.';
COMMENT ON COLUMN tip.watch_list_rule.legal_source IS 'The statute or code section, and the amending act where known.';
COMMENT ON COLUMN tip.watch_list_rule.source_id IS 'Where the rule and its dates were read.';
COMMENT ON COLUMN tip.watch_list_rule.load_run_id IS 'The load that last wrote this row.';
