-- tip_reader's session defaults in this database and its connection limit, so that a forgotten BI
-- session cannot hold a transaction or a query open for long, and many cannot crowd out tipdb.
-- search_path = analytics lets psql and BI tools write `select * from rankings`.
-- Change a value with one command as the superuser (psql "$(tipdb url)"), for example:
--   ALTER ROLE tip_reader IN DATABASE tipdb SET statement_timeout = '5min';
--   ALTER ROLE tip_reader CONNECTION LIMIT 50;
-- These are defaults: a reader may still SET them in its own session (see the README's Security section).
-- depends: 0016_reader_privileges
DO $$
BEGIN
    EXECUTE format('ALTER ROLE tip_reader IN DATABASE %I SET search_path = analytics', current_database());
    EXECUTE format('ALTER ROLE tip_reader IN DATABASE %I SET statement_timeout = %L', current_database(), '60s');
    EXECUTE format('ALTER ROLE tip_reader IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                   current_database(), '60s');
    EXECUTE format('ALTER ROLE tip_reader IN DATABASE %I SET default_transaction_read_only = on', current_database());
END
$$;
ALTER ROLE tip_reader CONNECTION LIMIT 20;
