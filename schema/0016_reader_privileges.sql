-- tip_reader reads only: no temporary objects, no large objects, no advisory locks.
-- PostgreSQL grants these to PUBLIC (every role) by default, so they are revoked from PUBLIC in this
-- database. tipdb's own role keeps them: it owns the database (TEMPORARY) or is a superuser, or is
-- granted them here by name. Large objects outlive a session (a reader could fill the disk) and
-- advisory locks are how tipdb serialises loads and migrations (a reader could stall them).
-- lo_import and lo_export are left alone: PostgreSQL already keeps them from PUBLIC.
-- depends: 0015_analytics_findings
DO $$
DECLARE
    fn regprocedure;
    is_superuser boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace
          AND p.proname ~ '^(pg_(try_)?advisory_|lo_|lo(read|write)$)'
          AND p.proname NOT IN ('lo_import', 'lo_export')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', fn);
        IF NOT is_superuser THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', fn, current_user);
        END IF;
    END LOOP;
END
$$;
