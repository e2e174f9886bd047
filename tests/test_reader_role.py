"""tip_reader reads the analytics views and nothing else."""

import pytest
from psycopg import errors


@pytest.fixture
def reader(db):
    db.autocommit = True
    db.execute("SET ROLE tip_reader")
    yield db
    db.execute("RESET ROLE")


def test_reads_every_analytics_view(reader):
    views = [r[0] for r in reader.execute(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'analytics' ORDER BY 1")]
    assert {"rankings", "coverage", "tier_counts", "reports", "countries", "country_names", "tiers"} <= set(views)
    for view in views:
        reader.execute(f"SELECT * FROM analytics.{view} LIMIT 1")
    assert reader.execute("SELECT tier FROM analytics.rankings WHERE iso3 = analytics.resolve_country('Namibia') "
                          "AND report_year = 2020").fetchone() == ("1",)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM tip.ranking",
        "SELECT * FROM tip.source",
        "SELECT * FROM yoyo._yoyo_migration",
        "INSERT INTO analytics.countries (iso3, country, region, subregion) VALUES ('ZZZ', 'Z', 'Europe', 'Z')",
        "UPDATE analytics.countries SET country = 'X' WHERE iso3 = 'NAM'",
        "DELETE FROM analytics.countries WHERE iso3 = 'NAM'",
        "TRUNCATE tip.ranking",
        "CREATE TABLE analytics.mine (x int)",
        "CREATE TABLE public.mine (x int)",
        "CREATE VIEW analytics.mine AS SELECT 1",
        "DROP VIEW analytics.rankings",
        "ALTER VIEW analytics.rankings RENAME TO r",
        # Function privileges travel with the template into every clone (migration 0016); the
        # database-level TEMPORARY privilege does not, so tests/test_security.py checks it on a real login.
        "SELECT lo_from_bytea(0, 'x')",
        "SELECT lo_create(0)",
        "SELECT pg_advisory_lock(1)",
        "SELECT pg_try_advisory_xact_lock(1)",
    ],
)
def test_cannot_write_create_or_read_raw_tables(reader, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        reader.execute(statement)
