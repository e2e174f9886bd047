-- Every row keeps its source: a country's region comes from a classification (or, for a
-- withdrawn ISO code, from a cited document), so the country row names it too.
-- depends: 0015_analytics_findings
-- A new column is NULL in every row, so the foreign key has nothing to scan.
-- squawk-ignore adding-foreign-key-constraint
ALTER TABLE tip.country ADD COLUMN source_id bigint REFERENCES tip.source;
COMMENT ON COLUMN tip.country.source_id IS 'Source of the region and sub-region (country_converter, or a cited document for a withdrawn code). NULL only for rows loaded before this column existed, until countries.csv is loaded again.';
