-- The role itself stays: other databases on the same server may still use it.
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics REVOKE SELECT ON TABLES FROM tip_reader;
REVOKE SELECT ON ALL TABLES IN SCHEMA analytics FROM tip_reader;
REVOKE USAGE ON SCHEMA analytics FROM tip_reader;
