-- A reader may lift its own session defaults (statement_timeout, ...), but not temp_file_limit, which
-- only a superuser can set: it bounds the disk one query of tip_reader can fill with sorts and hashes.
-- depends: 0041_coverage_checks
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('ALTER ROLE tip_reader IN DATABASE %I SET temp_file_limit = %L', current_database(), '1GB');
    ELSE
        RAISE NOTICE 'temp_file_limit of tip_reader not set: only a superuser may set it';
    END IF;
END
$$;
