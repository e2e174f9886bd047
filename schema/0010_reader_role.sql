-- tip_reader: a role that reads the analytics views and nothing else, for BI tools and shared access.
-- Roles belong to the whole server, so it is created only if another database has not made it already.
-- depends: 0009_analytics_views
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tip_reader') THEN
        CREATE ROLE tip_reader NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
        COMMENT ON ROLE tip_reader IS 'Read-only access to the analytics views of tipdb.';
    END IF;
END
$$;
GRANT USAGE ON SCHEMA analytics TO tip_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO tip_reader;
-- Views added by later migrations are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO tip_reader;
