-- Every fact points at the public source it came from.
-- depends: 0001_schemas
CREATE TABLE tip.source (
    source_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    citation        text NOT NULL CHECK (btrim(citation) <> ''),
    -- A citation can be longer than a btree entry allows, so uniqueness is kept on its hash
    -- (md5 because, unlike sha256(convert_to(...)), it is immutable and so allowed here).
    citation_md5    text GENERATED ALWAYS AS (md5(citation)) STORED UNIQUE,
    verification    text GENERATED ALWAYS AS (
                        CASE WHEN citation LIKE 'DERIVED:%' THEN 'derived' ELSE 'read' END
                    ) STORED,
    source_kind     text GENERATED ALWAYS AS (
                        CASE WHEN citation LIKE 'OFFICIAL%' THEN 'official'
                             WHEN citation LIKE 'SECONDARY%' THEN 'secondary' END
                    ) STORED
);
COMMENT ON TABLE tip.source IS 'Public sources cited by the seed files, one row per distinct citation text.';
COMMENT ON COLUMN tip.source.source_id IS 'Surrogate key referenced by every fact table.';
COMMENT ON COLUMN tip.source.citation IS 'The citation exactly as the seed file gives it: address, title and the quoted statement.';
COMMENT ON COLUMN tip.source.citation_md5 IS 'MD5 of the citation text; keeps citations unique without indexing long text.';
COMMENT ON COLUMN tip.source.verification IS 'read: the value was read directly in the source; derived: inferred from the statements named in a citation that starts with DERIVED:.';
COMMENT ON COLUMN tip.source.source_kind IS 'official or secondary where the citation says so (OFFICIAL / SECONDARY prefix); NULL where it does not.';
