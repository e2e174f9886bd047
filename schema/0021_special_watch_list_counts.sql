-- The published size of each report's Special Watch List, so that it can be checked against the
-- list computed from the placements (Tier 2 Watch List countries plus those that moved up a full tier).
-- depends: 0020_country_sources
CREATE TABLE tip.special_watch_list_count (
    report_year        smallint PRIMARY KEY REFERENCES tip.report,
    special_watch_list smallint NOT NULL CHECK (special_watch_list >= 0),
    on_watch_list      smallint CHECK (on_watch_list >= 0),
    moved_up           smallint CHECK (moved_up >= 0),
    source_id          bigint   NOT NULL REFERENCES tip.source,
    load_run_id        bigint   NOT NULL REFERENCES tip.load_run,
    CHECK (special_watch_list >= coalesce(on_watch_list, 0) + coalesce(moved_up, 0))
);
COMMENT ON TABLE tip.special_watch_list_count IS 'One row per report whose Special Watch List size was published (in the interim assessment on that report): the size, and its parts where the source states them.';
COMMENT ON COLUMN tip.special_watch_list_count.report_year IS 'Report whose placements made the Special Watch List.';
COMMENT ON COLUMN tip.special_watch_list_count.special_watch_list IS 'Countries on the Special Watch List, as published.';
COMMENT ON COLUMN tip.special_watch_list_count.on_watch_list IS 'Of those, countries on the Tier 2 Watch List, where the source says; NULL otherwise.';
COMMENT ON COLUMN tip.special_watch_list_count.moved_up IS 'Of those, countries that moved up a full tier, where the source says; NULL otherwise.';
COMMENT ON COLUMN tip.special_watch_list_count.source_id IS 'Public source of the figures (tip.source).';
COMMENT ON COLUMN tip.special_watch_list_count.load_run_id IS 'Load that last wrote the row (tip.load_run).';
