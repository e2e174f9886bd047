-- tip_reader without session defaults in this database and without a connection limit.
DO $$
BEGIN
    EXECUTE format('ALTER ROLE tip_reader IN DATABASE %I RESET ALL', current_database());
END
$$;
ALTER ROLE tip_reader CONNECTION LIMIT -1;
