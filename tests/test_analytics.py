"""The analytics views as BI tools see them: plain types, a date per report year, an ordinal safe to average."""

import pytest

# Types every BI and data tool tried in issue 13 reads natively (Superset, pandas, polars, pyarrow, DuckDB,
# R): the list the README documents. tsvector, arrays, json and ranges are not among them.
BI_SAFE_TYPES = {"smallint", "integer", "bigint", "numeric", "real", "double precision", "text", "boolean",
                 "date", "timestamp with time zone"}

ANALYTICS_COLUMNS = """
    SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'analytics' AND c.relkind IN ('r', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY 1, a.attnum
"""


def test_every_analytics_column_has_a_bi_safe_type(reader_db):
    columns = reader_db.execute(ANALYTICS_COLUMNS).fetchall()
    assert len({view for view, _, _ in columns}) >= 13
    assert [f"{view}.{name}: {type_}" for view, name, type_ in columns if type_ not in BI_SAFE_TYPES] == []


def _views_keyed_by_report_year(conn) -> list[str]:
    return sorted({view for view, name, _ in conn.execute(ANALYTICS_COLUMNS).fetchall() if name == "report_year"})


def test_every_view_keyed_by_report_year_carries_its_date(reader_db):
    views = _views_keyed_by_report_year(reader_db)
    assert {"rankings", "tier_counts", "coverage", "reports", "findings", "designations", "enforcement"} <= set(views)
    types = {(view, name): type_ for view, name, type_ in reader_db.execute(ANALYTICS_COLUMNS).fetchall()}
    for view in views:
        assert types.get((view, "report_year_date")) == "date", view
        wrong = reader_db.execute(
            f"SELECT count(*) FROM analytics.{view} WHERE report_year_date IS DISTINCT FROM make_date(report_year, 1, 1)"
        ).fetchone()
        assert wrong == (0,), view


def test_a_time_series_of_tier_counts_needs_no_custom_sql(reader_db):
    """What Superset sends for a yearly time-series chart on a temporal column of the dataset."""
    rows = reader_db.execute("""
        SELECT date_trunc('year', report_year_date) AS __timestamp, tier, sum(placements) AS placements
        FROM analytics.tier_counts
        WHERE report_year_date >= '2015-01-01' AND report_year_date < '2016-01-01'
        GROUP BY date_trunc('year', report_year_date), tier ORDER BY tier
    """).fetchall()
    assert [(str(ts.date()), tier, n) for ts, tier, n in rows] == [
        ("2015-01-01", "1", 31), ("2015-01-01", "2", 89), ("2015-01-01", "2WL", 44), ("2015-01-01", "3", 23),
        ("2015-01-01", "special_case", 1)]


@pytest.mark.parametrize("view", ["tiers", "tier_counts", "rankings"])
def test_tier_ordinal_is_null_for_special_case_only(reader_db, view):
    tier_column = "tier"
    rows = dict(reader_db.execute(
        f"SELECT DISTINCT {tier_column}, tier_ordinal FROM analytics.{view}").fetchall())
    assert rows["special_case"] is None
    assert sorted(v for k, v in rows.items() if k != "special_case") == [1, 2, 3, 4]


def test_an_average_tier_counts_ranked_placements_only(reader_db):
    """Haiti's Special Case in 2024 does not drag the 2024 mean tier down."""
    mean, ranked = reader_db.execute(
        "SELECT avg(tier_ordinal), avg(tier_ordinal) FILTER (WHERE tier <> 'special_case') "
        "FROM analytics.rankings WHERE report_year = 2024").fetchone()
    assert mean == ranked


def test_no_core_object_reads_the_analytics_views(reader_db):
    """Layers point one way: core tables -> derived history -> analytics -> queries (views and SQL-bodied
    functions record what they read; a plpgsql body does not, so tip.refresh_ranking_history is read by eye)."""
    readers = reader_db.execute("""
        SELECT DISTINCT coalesce(v.oid::regclass::text, p.oid::regprocedure::text)
        FROM pg_depend d
        JOIN pg_class used ON d.refclassid = 'pg_class'::regclass AND used.oid = d.refobjid
        LEFT JOIN pg_rewrite w ON d.classid = 'pg_rewrite'::regclass AND w.oid = d.objid
        LEFT JOIN pg_class v ON v.oid = w.ev_class
        LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
        WHERE used.relnamespace = 'analytics'::regnamespace
          AND coalesce(v.relnamespace, p.pronamespace) = 'tip'::regnamespace
    """).fetchall()
    assert readers == []
