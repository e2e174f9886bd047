"""Every data kind's declaration (kinds.py) matches the table it feeds, as the database's catalog says."""

import pytest

from tipdb import kinds, load

from helpers import module_clone


@pytest.fixture(scope="module")
def shared_db(tipdb_server):
    """One seeded clone for this module: its tests only stage temporary tables and EXPLAIN, rolled back."""
    yield from module_clone(tipdb_server, "kinds")


@pytest.fixture
def db(shared_db):
    yield shared_db
    shared_db.rollback()

SQL_TYPES = {"smallint": "smallint", "integer": "integer", "text": "text", "date": "date"}


def table_columns(conn, table):
    schema, name = table.split(".")
    rows = conn.execute(
        "SELECT column_name, data_type, is_nullable = 'NO', is_generated = 'ALWAYS' OR column_default IS NOT NULL "
        "OR is_identity = 'YES' FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
        [schema, name])
    return {column: (data_type, not_null, automatic) for column, data_type, not_null, automatic in rows}


@pytest.mark.parametrize("kind", kinds.KINDS, ids=[k.name for k in kinds.KINDS])
def test_declaration_matches_the_table(reader_db, kind):
    columns = table_columns(reader_db, kind.table)
    assert columns, f"{kind.table} does not exist"
    fed = {}
    for column in kind.columns:
        if column.stored_as is None:
            continue
        assert column.stored_as in columns, f"{kind.name}.{column.name}: {kind.table} has no {column.stored_as}"
        data_type = columns[column.stored_as][0]
        if column.type not in (kinds.COUNTRY, kinds.COUNTRY_OR_ALL, kinds.SOURCE):  # stored as what a lookup finds
            assert data_type == column.sql_type, f"{kind.name}.{column.name}: declared {column.sql_type}, table {data_type}"
        fed[column.stored_as] = column
    # Every column the table requires is fed by a required value (or filled by the loader or the database).
    for name, (_, not_null, automatic) in columns.items():
        if not_null and not automatic and name != "load_run_id":
            assert name in fed and fed[name].required, f"{kind.table}.{name} is NOT NULL but not required"


@pytest.mark.parametrize("kind", kinds.KINDS, ids=[k.name for k in kinds.KINDS])
def test_upsert_is_accepted_by_the_database(db, kind):
    """The generated upsert is valid SQL against the real table and its ON CONFLICT target exists; so is the
    plain INSERT a bulk load tries first."""
    load._stage(db, kind)
    db.execute("EXPLAIN " + load.upsert_sql(kind).as_string(db))
    db.execute("EXPLAIN " + load.upsert_sql(kind, append=True).as_string(db))


def test_kinds_have_distinct_headers():
    headers = [k.header for k in kinds.KINDS]
    assert len(set(headers)) == len(headers)
