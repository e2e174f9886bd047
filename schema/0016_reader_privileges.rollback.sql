-- PostgreSQL's defaults again: every role may create temporary objects and use large objects and advisory locks.
DO $$
DECLARE
    fn regprocedure;
    is_superuser boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace
          AND p.proname ~ '^(pg_(try_)?advisory_|lo_|lo(read|write)$)'
          AND p.proname NOT IN ('lo_import', 'lo_export')
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', fn);
        IF NOT is_superuser THEN
            EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %I', fn, current_user);
        END IF;
    END LOOP;
END
$$;
