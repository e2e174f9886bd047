"""The committed data dictionary is exactly what `tipdb docs` produces."""

from pathlib import Path

from tipdb import docs

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "DATA_DICTIONARY.md"


def test_committed_data_dictionary_is_current(reader_db):
    assert COMMITTED.read_text(encoding="utf-8") == docs.data_dictionary(reader_db), \
        "docs/DATA_DICTIONARY.md is stale: run `tipdb docs`"


def test_every_analytics_column_is_documented(reader_db):
    undocumented = reader_db.execute("""
        SELECT c.relname || '.' || a.attname
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('analytics', 'tip') AND c.relkind IN ('r', 'v', 'm') AND a.attnum > 0
          AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL
    """).fetchall()
    assert undocumented == []
    tables = reader_db.execute("""
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('analytics', 'tip') AND c.relkind IN ('r', 'v', 'm') AND obj_description(c.oid) IS NULL
    """).fetchall()
    assert tables == []
