"""The placement history table: refreshed per country, equal to a full recomputation, never blocked by readers."""

import psycopg

from tipdb import load

from helpers import write_csv

HEADER = "report_year,country,tier,source\n"

HISTORY = "SELECT * FROM tip.ranking_history ORDER BY report_year, iso3"
FULL = "SELECT * FROM tip.ranking_history_rows(NULL) ORDER BY report_year, iso3"
COUNTS = "SELECT * FROM tip.placement_count ORDER BY report_year, tier_code"
COUNTS_FROM_RANKINGS = """
    SELECT r.report_year, r.tier_code, count(*)::integer, (count(*) FILTER (WHERE s.verification = 'derived'))::integer
    FROM tip.ranking r JOIN tip.source s USING (source_id) GROUP BY 1, 2 ORDER BY 1, 2
"""


def _add_placements(db, year: int, countries: list[str], tier: str = "2") -> None:
    db.execute(
        """INSERT INTO tip.ranking (report_year, iso3, tier_code, source_id, load_run_id)
           SELECT %s, iso3, %s, (SELECT min(source_id) FROM tip.source), (SELECT max(load_run_id) FROM tip.load_run)
           FROM unnest(%s::text[]) AS iso3""",
        [year, tier, countries])


def test_the_seeded_history_equals_a_full_recomputation(reader_db):
    assert reader_db.execute(HISTORY).fetchall() == reader_db.execute(FULL).fetchall()
    assert reader_db.execute(COUNTS).fetchall() == reader_db.execute(COUNTS_FROM_RANKINGS).fetchall()


def test_refreshing_some_countries_changes_only_theirs(db):
    db.execute("UPDATE tip.ranking SET tier_code = '1' WHERE iso3 = 'NAM' AND report_year = 2019")
    before = {(r[0], r[1]): r for r in db.execute(HISTORY).fetchall()}
    db.execute("SELECT tip.refresh_ranking_history(ARRAY['NAM'])")
    after = {(r[0], r[1]): r for r in db.execute(HISTORY).fetchall()}
    changed = {key for key in after if after[key] != before[key]}
    assert changed and {iso3 for _, iso3 in changed} == {"NAM"}
    assert after[(2020, "NAM")][9] == "unchanged"  # 1 in 2019 (as changed here), 1 in 2020
    assert db.execute(HISTORY).fetchall() == db.execute(FULL).fetchall()
    assert db.execute(COUNTS).fetchall() == db.execute(COUNTS_FROM_RANKINGS).fetchall()


def test_a_year_that_becomes_complete_refreshes_the_next_reports_unknown_changes(db):
    """Completing a short year turns other countries' 'unknown' changes in the next report into known ones."""
    year, following, missing = db.execute("""
        SELECT c.report_year, n.report_year, c.missing_placements
        FROM analytics.coverage c
        JOIN analytics.reports n ON n.report_year = (SELECT min(report_year) FROM analytics.reports
                                                     WHERE report_year > c.report_year)
        WHERE c.missing_placements > 0
          AND EXISTS (SELECT FROM tip.ranking_history h WHERE h.report_year = n.report_year AND h.change = 'unknown')
        ORDER BY c.report_year LIMIT 1""").fetchone()
    unknown = {r[0] for r in db.execute(
        "SELECT iso3 FROM tip.ranking_history WHERE report_year = %s AND change = 'unknown'", [following])}
    added = [r[0] for r in db.execute(
        """SELECT iso3 FROM tip.country WHERE iso3 NOT IN (SELECT iso3 FROM tip.ranking WHERE report_year = %s)
           AND iso3 <> ALL (%s) ORDER BY iso3 LIMIT %s""", [year, list(unknown), missing])]
    _add_placements(db, year, added)
    db.execute("SELECT tip.refresh_ranking_history(%s)", [added])
    assert db.execute("SELECT complete FROM analytics.coverage WHERE report_year = %s", [year]).fetchone() == (True,)
    now = dict(db.execute("SELECT iso3, change FROM tip.ranking_history WHERE report_year = %s AND iso3 = ANY (%s)",
                          [following, list(unknown)]).fetchall())
    assert len(now) == len(unknown) and "unknown" not in now.values()
    assert db.execute(HISTORY).fetchall() == db.execute(FULL).fetchall()
    assert db.execute(COUNTS).fetchall() == db.execute(COUNTS_FROM_RANKINGS).fetchall()


def test_a_published_total_that_completes_a_year_needs_no_country(db):
    """A load of reports or published counts touches no country: an empty array still refreshes what it changes."""
    year, placements = db.execute(
        "SELECT report_year, placements FROM analytics.coverage WHERE missing_placements > 0 ORDER BY 1 LIMIT 1"
    ).fetchone()
    before = db.execute(HISTORY).fetchall()
    db.execute("SELECT tip.refresh_ranking_history('{}')")
    assert db.execute(HISTORY).fetchall() == before
    db.execute("UPDATE tip.report SET countries_ranked = %s WHERE report_year = %s", [placements, year])
    db.execute("SELECT tip.refresh_ranking_history('{}')")
    assert db.execute(HISTORY).fetchall() != before
    assert db.execute(HISTORY).fetchall() == db.execute(FULL).fetchall()


def _add_report(db, year: int) -> None:
    db.execute("""INSERT INTO tip.report (report_year, release_date, source_id, load_run_id)
                  SELECT %s, make_date(%s, 6, 20), min(source_id), (SELECT max(load_run_id) FROM tip.load_run)
                  FROM tip.source""", [year, year])


def test_a_report_between_two_others_refreshes_every_country(db):
    """A new report changes the preceding report of every placement after it, whoever it places."""
    for year in (2026, 2028):
        _add_report(db, year)
        db.execute("""INSERT INTO tip.ranking (report_year, iso3, tier_code, source_id, load_run_id)
                      SELECT %s, iso3, tier_code, source_id, load_run_id FROM tip.ranking WHERE report_year = 2025""",
                   [year])
    db.execute("SELECT tip.refresh_ranking_history(NULL)")
    [(placed,)] = db.execute("SELECT min(iso3) FROM tip.ranking WHERE report_year = 2025").fetchall()
    _add_report(db, 2027)
    _add_placements(db, 2027, [placed])
    db.execute("SELECT tip.refresh_ranking_history(%s)", [[placed]])
    # 2027 is now the preceding report of every 2028 placement, and it lacks all of them but one.
    assert db.execute("SELECT count(*) FROM tip.ranking_history WHERE report_year = 2028 AND previous_tier IS NOT NULL"
                      ).fetchone() == (1,)
    assert db.execute(HISTORY).fetchall() == db.execute(FULL).fetchall()


def test_a_reader_holding_rankings_open_does_not_block_a_load(db, db_url, tmp_path):
    """Issue 10 point 4: a load that changes a placement finishes while a reader's transaction is open."""
    db.rollback()
    with psycopg.connect(db_url) as reader:
        [(tier_before,)] = reader.execute(
            "SELECT tier FROM analytics.rankings WHERE iso3 = 'ALB' AND report_year = 2024").fetchall()
        assert reader.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        new_tier = "1" if tier_before != "1" else "3"
        placement = write_csv(tmp_path / "albania.csv", HEADER + f"2024,Albania,{new_tier},test fixture\n")
        # Would wait for the reader for ever (REFRESH MATERIALIZED VIEW); lock_timeout turns that into an error.
        [result] = load.load_files(db_url + " options='-c lock_timeout=3s'", [placement])
        assert (result.inserted, result.updated) == (0, 1)
        assert reader.execute("SELECT tier FROM analytics.rankings WHERE iso3 = 'ALB' AND report_year = 2024"
                              ).fetchone() == (new_tier,)
        reader.rollback()
