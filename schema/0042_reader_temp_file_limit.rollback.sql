DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('ALTER ROLE tip_reader IN DATABASE %I RESET temp_file_limit', current_database());
    END IF;
END
$$;
