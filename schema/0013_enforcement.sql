-- The global law-enforcement figures each report prints.
-- depends: 0006_reports
CREATE TABLE tip.enforcement_stat (
    report_year                smallint PRIMARY KEY REFERENCES tip.report,
    data_year                  smallint NOT NULL,
    prosecutions               integer CHECK (prosecutions >= 0),
    prosecutions_labor         integer CHECK (prosecutions_labor >= 0 AND prosecutions_labor <= prosecutions),
    convictions                integer CHECK (convictions >= 0),
    convictions_labor          integer CHECK (convictions_labor >= 0 AND convictions_labor <= convictions),
    victims_identified         integer CHECK (victims_identified >= 0),
    victims_identified_labor   integer CHECK (victims_identified_labor >= 0 AND victims_identified_labor <= victims_identified),
    new_or_amended_legislation integer CHECK (new_or_amended_legislation >= 0),
    source_id                  bigint  NOT NULL REFERENCES tip.source,
    load_run_id                bigint  NOT NULL REFERENCES tip.load_run,
    CHECK (data_year < report_year)
);
COMMENT ON TABLE tip.enforcement_stat IS 'Global Law Enforcement Data as a report prints it. Missing figures are NULL, never zero. Figures may be revised by later reports; the source says which report printed them.';
COMMENT ON COLUMN tip.enforcement_stat.report_year IS 'Report that printed the figures.';
COMMENT ON COLUMN tip.enforcement_stat.data_year IS 'Year the figures describe (the report year minus one).';
COMMENT ON COLUMN tip.enforcement_stat.prosecutions IS 'Prosecutions worldwide.';
COMMENT ON COLUMN tip.enforcement_stat.prosecutions_labor IS 'Of those, labor-trafficking prosecutions (the figure in parentheses).';
COMMENT ON COLUMN tip.enforcement_stat.convictions IS 'Convictions worldwide.';
COMMENT ON COLUMN tip.enforcement_stat.convictions_labor IS 'Of those, labor-trafficking convictions.';
COMMENT ON COLUMN tip.enforcement_stat.victims_identified IS 'Victims identified worldwide.';
COMMENT ON COLUMN tip.enforcement_stat.victims_identified_labor IS 'Of those, labor-trafficking victims.';
COMMENT ON COLUMN tip.enforcement_stat.new_or_amended_legislation IS 'New or amended anti-trafficking laws.';
COMMENT ON COLUMN tip.enforcement_stat.source_id IS 'Source of the figures (OFFICIAL or SECONDARY as the citation says).';
COMMENT ON COLUMN tip.enforcement_stat.load_run_id IS 'The load that last wrote this row.';
