"""The tables kept for the canned queries (tip.list_placement, tip.country_tier: migrations 0051-0054) equal what they
are derived from, after the seeds and after loads; and every query, view and function rewritten to read them (or
otherwise made faster: 0052-0055, transition_matrix) gives the rows and column types of its previous definition."""

from __future__ import annotations

import re

import pytest

from tipdb import load, paths, queries

from helpers import write_csv

SOURCE = "https://example.org/test (a statement made up for this test)"

LIST_PLACEMENT = "SELECT report_year, list_code, iso3, tier FROM tip.list_placement ORDER BY 1, 2, 3"
LIST_PLACEMENT_FROM_CORE = """
    SELECT DISTINCT m.report_year, m.list_code, m.iso3, r.tier_code
    FROM tip.list_membership m LEFT JOIN tip.ranking r ON r.report_year = m.report_year AND r.iso3 = m.iso3
    ORDER BY 1, 2, 3
"""
COUNTRY_TIER = """
    SELECT iso3, tier, country, region, reports, first_year, last_year, report_years, upgrades, downgrades, reclassified
    FROM analytics.country_tiers ORDER BY 1, 2
"""
COUNTRY_TIER_FROM_HISTORY = """
    SELECT iso3, tier, country, region, count(*)::integer, min(report_year), max(report_year),
           string_agg(report_year::text, ', ' ORDER BY report_year), count(*) FILTER (WHERE change = 'upgrade')::integer,
           count(*) FILTER (WHERE change = 'downgrade')::integer, count(*) FILTER (WHERE change = 'reclassified')::integer
    FROM tip.ranking_history GROUP BY iso3, tier, country, region ORDER BY 1, 2
"""

# The canned queries as they were before they read the derived tables (main before migration 0051).
PREVIOUS = {
    "always_one_tier": """
SELECT min(r.country) AS country, min(r.tier) AS tier, count(*) AS reports,
       min(r.report_year) AS first_year, max(r.report_year) AS last_year
FROM analytics.rankings r
GROUP BY r.iso3
HAVING min(r.tier) = max(r.tier) AND count(*) >= %(min_reports)s
ORDER BY reports DESC, country
""",
    "most_volatile": """
SELECT r.country,
       count(*) FILTER (WHERE r.change IN ('upgrade', 'downgrade', 'reclassified')) AS changes,
       count(*) FILTER (WHERE r.change = 'upgrade') AS upgrades,
       count(*) FILTER (WHERE r.change = 'downgrade') AS downgrades,
       count(*) AS reports
FROM analytics.rankings r
WHERE r.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
GROUP BY r.country
ORDER BY changes DESC, downgrades DESC, r.country
LIMIT %(limit)s
""",
    "region_tier_members": """
SELECT r.country, min(r.report_year) AS first_year, max(r.report_year) AS last_year, count(*) AS reports,
       string_agg(r.report_year::text, ', ' ORDER BY r.report_year) AS report_years
FROM analytics.rankings r
WHERE lower(r.region) = lower(%(region)s) AND r.tier = %(tier)s
GROUP BY r.country
ORDER BY first_year, r.country
""",
    "cohort_tier_shares": """
WITH cohort AS (
    SELECT iso3 FROM analytics.rankings WHERE report_year = %(cohort_year)s
), placed AS (
    SELECT r.report_year, r.tier, count(*) AS placements
    FROM analytics.rankings r
    JOIN cohort USING (iso3)
    WHERE r.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
    GROUP BY r.report_year, r.tier
), years AS (
    SELECT report_year, sum(placements) AS cohort_placed FROM placed GROUP BY report_year
)
SELECT y.report_year, t.tier, t.tier_label,
       (SELECT count(*) FROM cohort) AS cohort_size,
       y.cohort_placed,
       coalesce(p.placements, 0) AS placements,
       round(coalesce(p.placements, 0) * 100.0 / y.cohort_placed, 1) AS share_pct
FROM years y
CROSS JOIN analytics.tiers t
LEFT JOIN placed p ON p.report_year = y.report_year AND p.tier = t.tier
ORDER BY y.report_year, t.tier_ordinal NULLS LAST
""",
    "cspa_and_tier_3": """
SELECT d.report_year, d.country, d.tier, d.sources_count, d.sources
FROM analytics.designations d
WHERE d.list_code = 'cspa' AND d.tier = '3'
  AND (%(year)s::integer IS NULL OR d.report_year = %(year)s::integer)
ORDER BY d.report_year, d.country
""",
    "auto_downgrade_audit": """
WITH years AS (
    SELECT report_year, lag(report_year) OVER (ORDER BY report_year) AS previous_year
    FROM analytics.reports
), rule_in_force AS (
    SELECT y.report_year, y.previous_year, w.rule_id, w.consecutive_years_on_watch_list AS threshold
    FROM years y
    JOIN analytics.watch_list_rules w
      ON y.report_year BETWEEN w.effective_from_report_year AND coalesce(w.effective_to_report_year, 9999)
    WHERE w.consecutive_years_on_watch_list IS NOT NULL
      AND y.report_year BETWEEN coalesce(%(from_year)s, 0) AND coalesce(%(to_year)s, 9999)
)
SELECT f.report_year, before.country, before.reports_on_tier AS watch_list_years_before, f.rule_id,
       before.next_tier AS tier,
       CASE
           WHEN nt.tier IS NULL THEN 'unexplained: no placement loaded'
           WHEN nt.tier_ordinal > wl.tier_ordinal THEN 'downgraded'
           WHEN nt.tier_ordinal < wl.tier_ordinal THEN 'upgraded'
           WHEN nt.tier = wl.tier AND waiver.iso3 IS NOT NULL THEN 'waived'
           WHEN nt.tier = wl.tier THEN 'unexplained: still on the Watch List, no waiver loaded'
           ELSE 'unexplained: placed as ' || nt.tier
       END AS outcome
FROM rule_in_force f
JOIN analytics.tiers wl ON wl.tier = '2WL'
JOIN analytics.rankings before
  ON before.report_year = f.previous_year AND before.tier = wl.tier AND before.reports_on_tier >= f.threshold
LEFT JOIN analytics.tiers nt ON nt.tier = before.next_tier
LEFT JOIN analytics.designations waiver
       ON waiver.iso3 = before.iso3 AND waiver.report_year = f.report_year AND waiver.list_code = 'auto_downgrade_waiver'
ORDER BY f.report_year, outcome, before.country
""",
    "transition_matrix": """
WITH years AS (
    SELECT coalesce(%(from_year)s, (SELECT max(report_year) FROM analytics.reports
                                    WHERE report_year < (SELECT max(report_year) FROM analytics.reports))) AS from_year,
           coalesce(%(to_year)s, (SELECT max(report_year) FROM analytics.reports)) AS to_year
), placements AS (
    -- Every tier in report order (Special Case, off the scale, last), then "not placed".
    SELECT tier, tier_label, row_number() OVER (ORDER BY tier_ordinal NULLS LAST, tier) AS position FROM analytics.tiers
    UNION ALL
    SELECT NULL, 'not placed', count(*) + 1 FROM analytics.tiers
), pairs AS (
    SELECT a.tier AS from_tier, b.tier AS to_tier
    FROM (SELECT r.iso3, r.tier FROM analytics.rankings r JOIN years y ON r.report_year = y.from_year) a
    FULL JOIN (SELECT r.iso3, r.tier FROM analytics.rankings r JOIN years y ON r.report_year = y.to_year) b USING (iso3)
)
SELECT y.from_year, y.to_year,
       f.tier AS from_tier, f.tier_label AS from_placement,
       t.tier AS to_tier, t.tier_label AS to_placement,
       count(p.*) AS countries
FROM years y
CROSS JOIN placements f
CROSS JOIN placements t
LEFT JOIN pairs p ON p.from_tier IS NOT DISTINCT FROM f.tier AND p.to_tier IS NOT DISTINCT FROM t.tier
WHERE f.tier IS NOT NULL OR t.tier IS NOT NULL
GROUP BY y.from_year, y.to_year, f.tier, f.tier_label, f.position, t.tier, t.tier_label, t.position
ORDER BY f.position, t.position
""",
}


def _derived_equal_their_sources(conn) -> None:
    assert conn.execute(LIST_PLACEMENT).fetchall() == conn.execute(LIST_PLACEMENT_FROM_CORE).fetchall()
    assert conn.execute(COUNTRY_TIER).fetchall() == conn.execute(COUNTRY_TIER_FROM_HISTORY).fetchall()


def _answer(conn, sql: str, values: dict) -> tuple[list, list]:
    cursor = conn.execute(sql, values)
    return [(c.name, c.type_code) for c in cursor.description], cursor.fetchall()


def _same_as_before(conn, name: str, given: list[dict[str, str]]) -> None:
    query = queries.get(name)
    for params in given:
        values = query.bind(params)
        assert _answer(conn, query.sql, values) == _answer(conn, PREVIOUS[name], values), (name, params)


def _years(conn) -> list[str]:
    return [str(y) for (y,) in conn.execute("SELECT report_year FROM tip.report ORDER BY 1")]


def _check_every_rewritten_query(conn) -> None:
    years = _years(conn)
    ranges = [(years[3], years[10]), ("", years[5]), (years[8], ""), (years[-1], years[0])]
    # Every cohort: the small early ones are counted directly, the later ones as all placements less the others.
    complement = {y: conn.execute(
        "SELECT 2 * count(DISTINCT iso3) FILTER (WHERE %s = ANY (string_to_array(report_years, ', ')::int[]))"
        " > count(DISTINCT iso3) FROM analytics.country_tiers", [int(y)]).fetchone()[0] for y in years}
    assert set(complement.values()) == {True, False}
    _same_as_before(conn, "cohort_tier_shares",
                    [{"cohort_year": y} for y in years] + [{"cohort_year": "1990"}]
                    + [{"cohort_year": y, "from_year": f, "to_year": t} for y in years[::6] for f, t in ranges])
    _same_as_before(conn, "most_volatile", [{}, {"limit": "100000"}]
                    + [{"from_year": f, "to_year": t, "limit": "1000"} for f, t in ranges])
    _same_as_before(conn, "always_one_tier", [{"min_reports": m} for m in ("0", "1", "2", "5", "1000")])
    regions = [r for (r,) in conn.execute("SELECT region FROM tip.region ORDER BY 1")]
    tiers = [t for (t,) in conn.execute("SELECT tier_code FROM tip.tier ORDER BY 1")]
    _same_as_before(conn, "region_tier_members", [{"region": r.upper(), "tier": t} for r in regions for t in tiers])
    _same_as_before(conn, "cspa_and_tier_3", [{}, {"year": "1990"}] + [{"year": y} for y in years])
    _same_as_before(conn, "auto_downgrade_audit", [{}] + [{"from_year": f, "to_year": t} for f, t in ranges])
    _same_as_before(conn, "transition_matrix", [{}, {"from_year": "1990", "to_year": years[3]}]
                    + [{"from_year": f, "to_year": t} for f in years[::5] for t in years[::4]])


def test_derived_tables_equal_their_sources_on_the_seeds(reader_db):
    _derived_equal_their_sources(reader_db)


def test_rewritten_queries_give_their_previous_answers_on_the_seeds(reader_db):
    _check_every_rewritten_query(reader_db)


def test_loads_keep_the_derived_tables_and_the_answers(db, db_url, tmp_path):
    """A list load alone (now followed by the refresh) and a placements load keep both tables equal to their sources."""
    # A country on a list in a report that does not place it, and one placed but listed where it was not.
    unplaced = db.execute("""SELECT c.name FROM tip.country c WHERE NOT EXISTS
                                 (SELECT FROM tip.ranking r WHERE r.iso3 = c.iso3 AND r.report_year = 2020)
                             ORDER BY c.iso3 LIMIT 1""").fetchone()[0]
    db.rollback()
    lists = write_csv(tmp_path / "lists.csv", "report_year,list,country,source\n"
                      f"2020,cspa,{unplaced},{SOURCE}\n2020,state_sponsored,Namibia,{SOURCE}\n"
                      f"2020,auto_downgrade_waiver,Namibia,{SOURCE}\n")
    load.load_files(db_url, [lists])
    _derived_equal_their_sources(db)
    assert db.execute("SELECT tier FROM tip.list_placement WHERE report_year = 2020 AND list_code = 'state_sponsored' "
                      "AND iso3 = 'NAM'").fetchone() is not None
    db.rollback()
    placements = write_csv(tmp_path / "placements.csv", "report_year,country,tier,source\n"
                           f"2020,Namibia,3,{SOURCE}\n2021,Namibia,special_case,{SOURCE}\n"
                           f"2020,{unplaced},2WL,{SOURCE}\n")
    load.load_files(db_url, [placements])
    _derived_equal_their_sources(db)
    assert db.execute("SELECT tier FROM tip.list_placement WHERE report_year = 2020 AND list_code = 'cspa' "
                      "AND iso3 = (SELECT iso3 FROM tip.country WHERE name = %s)", [unplaced]).fetchone() == ("2WL",)
    _check_every_rewritten_query(db)
    db.rollback()
    # A whole refresh writes nothing when nothing changed.
    db.execute("SELECT tip.refresh_ranking_history(NULL)")
    assert db.execute("SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
                      "WHERE relid IN ('tip.list_placement'::regclass, 'tip.country_tier'::regclass)").fetchall() == [(0,), (0,)]


# --- views and functions rewritten by 0052, 0053 and 0055 give the rows of their previous definitions ------------

def _previous(migration: str) -> str:
    """The rollback of a migration (the definitions it replaced), with every object renamed into pg_temp."""
    text = (paths.schema_dir() / f"{migration}.rollback.sql").read_text()
    return re.sub(r"\b(?:tip|analytics)\.(check_(?!rule\b|year\b)\w+|designations|search_findings)\b", r"pg_temp.previous_\1", text)


def _differ(conn, new: str, old: str) -> int:
    return conn.execute(f"SELECT (SELECT count(*) FROM (SELECT * FROM {new} EXCEPT ALL SELECT * FROM {old}) a)"
                        f"     + (SELECT count(*) FROM (SELECT * FROM {old} EXCEPT ALL SELECT * FROM {new}) b)").fetchone()[0]


def _views_and_functions_agree(conn) -> None:
    conn.execute(_previous("0052_checks_read_list_placement"))
    conn.execute(_previous("0053_designations_read_list_placement"))
    conn.execute(_previous("0055_search_findings_one_pass"))
    for rule in ("waiver_not_on_watch_list", "state_sponsored_not_on_tier_3", "listed_country_not_placed"):
        assert conn.execute(f"SELECT count(*) FROM tip.check_{rule}").fetchone()[0] > 0
        assert _differ(conn, f"tip.check_{rule}", f"pg_temp.previous_check_{rule}") == 0, rule
    assert _differ(conn, "analytics.designations", "pg_temp.previous_designations") == 0
    for words in ("forced labor", '"child soldiers" -army OR military', "trafficking", "nothing-like-this"):
        new, old = (f"(SELECT * FROM {f}(%s) ORDER BY finding_id) x" for f in ("analytics.search_findings",
                                                                               "pg_temp.previous_search_findings"))
        assert conn.execute(f"SELECT * FROM {new}", [words]).fetchall() == conn.execute(f"SELECT * FROM {old}", [words]).fetchall()


def test_rewritten_views_and_functions_give_their_previous_rows(db, db_url, tmp_path):
    _views_and_functions_agree(db)
    db.rollback()
    # Lists naming a placed country and one the report does not place (a note, not a failure, for two rules).
    unplaced = db.execute("""SELECT c.name FROM tip.country c WHERE NOT EXISTS
                                 (SELECT FROM tip.ranking r WHERE r.iso3 = c.iso3 AND r.report_year = 2021)
                             ORDER BY c.iso3 LIMIT 1""").fetchone()[0]
    db.rollback()
    lists = write_csv(tmp_path / "lists.csv", "report_year,list,country,source\n"
                      f"2021,auto_downgrade_waiver,Namibia,{SOURCE}\n2021,state_sponsored,Albania,{SOURCE}\n"
                      f"2021,auto_downgrade_waiver,{unplaced},{SOURCE}\n2021,state_sponsored,{unplaced},{SOURCE}\n"
                      f"2021,cspa,{unplaced},{SOURCE}\n")
    load.load_files(db_url, [lists])
    _views_and_functions_agree(db)
