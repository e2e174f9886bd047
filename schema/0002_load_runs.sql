-- Bookkeeping of every file the loader took in, so a row can be traced to the file that wrote it
-- and a file already loaded is recognised by its checksum.
-- depends: 0001_schemas
CREATE TABLE tip.load_run (
    load_run_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_name    text        NOT NULL CHECK (file_name <> ''),
    file_sha256  text        NOT NULL UNIQUE CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    file_kind    text        NOT NULL CHECK (file_kind <> ''),
    row_count    integer     NOT NULL CHECK (row_count >= 0),
    inserted     integer     NOT NULL CHECK (inserted >= 0),
    updated      integer     NOT NULL CHECK (updated >= 0),
    loaded_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tip.load_run IS 'One row per input file loaded: which file, its checksum, and what it changed. A file whose checksum is here is not loaded again.';
COMMENT ON COLUMN tip.load_run.load_run_id IS 'Surrogate key; fact rows point here to name the load that last wrote them.';
COMMENT ON COLUMN tip.load_run.file_name IS 'Base name of the loaded file, e.g. tier_placements.csv.';
COMMENT ON COLUMN tip.load_run.file_sha256 IS 'SHA-256 of the file bytes, lowercase hex.';
COMMENT ON COLUMN tip.load_run.file_kind IS 'Which seed format the file had (rankings, reports, country_names, ...).';
COMMENT ON COLUMN tip.load_run.row_count IS 'Data rows in the file.';
COMMENT ON COLUMN tip.load_run.inserted IS 'Rows the load inserted.';
COMMENT ON COLUMN tip.load_run.updated IS 'Existing rows the load changed.';
COMMENT ON COLUMN tip.load_run.loaded_at IS 'When the load committed.';
