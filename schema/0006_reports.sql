-- One row per annual report.
-- depends: 0002_load_runs 0003_sources
CREATE TABLE tip.report (
    report_year            smallint PRIMARY KEY CHECK (report_year BETWEEN 2001 AND 2100),
    title                  text GENERATED ALWAYS AS (report_year::text || ' Trafficking in Persons Report') STORED,
    release_date           date     NOT NULL,
    reporting_period_start date,
    reporting_period_end   date,
    countries_ranked       smallint CHECK (countries_ranked > 0),
    source_id              bigint   NOT NULL REFERENCES tip.source,
    load_run_id            bigint   NOT NULL REFERENCES tip.load_run,
    CHECK (extract(year FROM release_date) BETWEEN report_year AND report_year + 1),
    CHECK (reporting_period_start < reporting_period_end),
    CHECK ((reporting_period_start IS NULL) = (reporting_period_end IS NULL))
);
COMMENT ON TABLE tip.report IS 'The annual TIP Reports. The report year is the year of publication; the reporting period runs from April of the year before to March (the 2020 report is the "2019 fiscal year" report).';
COMMENT ON COLUMN tip.report.report_year IS 'Year the report was published.';
COMMENT ON COLUMN tip.report.title IS 'Conventional title, e.g. 2020 Trafficking in Persons Report.';
COMMENT ON COLUMN tip.report.release_date IS 'Day the report was released.';
COMMENT ON COLUMN tip.report.reporting_period_start IS 'First day of the period the report covers; NULL where no source states it.';
COMMENT ON COLUMN tip.report.reporting_period_end IS 'Last day of the period the report covers; NULL where no source states it.';
COMMENT ON COLUMN tip.report.countries_ranked IS 'Number of countries the report placed, as a source states it (usually counting special cases); NULL where no source gives an exact figure.';
COMMENT ON COLUMN tip.report.source_id IS 'Where the release date and figures come from.';
COMMENT ON COLUMN tip.report.load_run_id IS 'The load that last wrote this row.';
