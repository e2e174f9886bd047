"""Loading: idempotence, all-or-nothing, and clear refusals of bad input."""

import os
import re
from pathlib import Path

import pytest

from tipdb import load
from tipdb.errors import InputProblem, MissingInput

from helpers import table_checksums, write_csv

HEADER = "report_year,country,tier,source\n"
# A report year that the shipped data does not have, so that synthetic placements change nothing real.
FIXTURE_REPORT = ("report_year,release_date,reporting_period_start,reporting_period_end,countries_ranked,source\n"
                  "2026,2026-06-25,,,,test fixture\n")


def with_report(db_url, tmp_path):
    """Load the fixture report year 2026 into the test's own database."""
    load.load_files(db_url, [write_csv(tmp_path / "report_2026.csv", FIXTURE_REPORT)])


def refuse(db, db_url, *paths):
    """Load `paths`, expect a refusal, check the database did not change, return the problems."""
    before = table_checksums(db)
    with pytest.raises(InputProblem) as caught:
        load.load_files(db_url, list(paths))
    db.rollback()
    assert table_checksums(db) == before
    return caught.value.problems


def test_seeds_are_all_loaded_once(db):
    files = {row[0] for row in db.execute("SELECT file_name FROM tip.load_run")}
    assert files == {p.name for p in load.seed_files()}


def test_loading_the_seeds_again_changes_nothing(db, db_url):
    before = table_checksums(db)
    results = load.load_seeds(db_url)
    assert all(r.skipped for r in results)
    forced = load.load_seeds(db_url, force=True)
    assert [(r.inserted, r.updated) for r in forced] == [(0, 0)] * len(forced)
    db.rollback()
    assert table_checksums(db) == before


def test_a_new_file_inserts_and_a_corrected_one_updates(db, db_url, tmp_path):
    # Synthetic rows in a throwaway database, to exercise the loader (not data).
    with_report(db_url, tmp_path)
    first = write_csv(tmp_path / "new.csv", HEADER + "2026,Albania,2WL,test fixture\n")
    assert [(r.inserted, r.updated) for r in load.load_files(db_url, [first])] == [(1, 0)]
    corrected = write_csv(tmp_path / "fix.csv", HEADER + "2026,Albania,3,test fixture\n")
    assert [(r.inserted, r.updated) for r in load.load_files(db_url, [corrected])] == [(0, 1)]
    assert db.execute("SELECT tier_code FROM tip.ranking WHERE iso3 = 'ALB' AND report_year = 2026").fetchone() == ("3",)
    # The history behind analytics.rankings was refreshed in the same transaction (Albania: Tier 2 in 2025).
    assert db.execute("SELECT tier, previous_tier FROM analytics.rankings WHERE iso3 = 'ALB' AND report_year = 2026"
                      ).fetchone() == ("3", "2")


def test_unknown_country_is_refused_with_a_suggestion(db, db_url, tmp_path):
    path = write_csv(tmp_path / "bad.csv", HEADER + "2025,Albania,2,x\n2025,Cote dIvoire,2,x\n")
    [problem] = refuse(db, db_url, path)
    assert (problem.file, problem.line, problem.column, problem.value) == (str(path), 3, "country", "Cote dIvoire")
    assert "Cote d'Ivoire" in problem.hint


def test_tier_words_get_the_code_suggested(db, db_url, tmp_path):
    path = write_csv(tmp_path / "bad.csv", HEADER + "2025,Albania,Tier 3,x\n")
    [problem] = refuse(db, db_url, path)
    assert (problem.line, problem.column, problem.value) == (2, "tier", "Tier 3")
    assert "'3'" in problem.hint


def test_spellings_of_one_country_are_duplicates(db, db_url, tmp_path):
    path = write_csv(tmp_path / "dup.csv", HEADER + "2025,Burma,3,x\n2025,Myanmar,3,x\n")
    [problem] = refuse(db, db_url, path)
    assert (problem.line, problem.value) == (3, "2025,Myanmar") and "line 2" in problem.message  # as line 3 writes it


def test_year_without_a_report_is_refused(db, db_url, tmp_path):
    path = write_csv(tmp_path / "future.csv", HEADER + "2026,Vanuatu,2,x\n")
    [problem] = refuse(db, db_url, path)
    assert (problem.line, problem.column, problem.value) == (2, "report_year", "2026")


def test_bytes_that_are_not_utf8_are_located(db, db_url, tmp_path):
    path = write_csv(tmp_path / "latin1.csv", HEADER.encode() + "2025,Côte d'Ivoire,2,x\n".encode("latin-1"))
    problems = refuse(db, db_url, path)
    assert problems[0].line == 2 and "UTF-8" in problems[0].message


def test_one_bad_file_loads_nothing_at_all(db, db_url, tmp_path):
    good = write_csv(tmp_path / "good.csv", HEADER + "2025,Albania,2,x\n")
    bad = write_csv(tmp_path / "bad.csv", HEADER + "2025,Atlantis,2,x\n")
    problems = refuse(db, db_url, good, bad)
    assert [p.value for p in problems] == ["Atlantis"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty"),
        (HEADER, "no data rows"),
        ("report_year;country;tier;source\n2025;Vanuatu;2;x\n", "semicolons"),
        ("report_year,country,source\n2025,Albania,x\n", "missing tier"),
        ("country,report_year,tier,source\n", "wrong order"),
        (HEADER + "2025,Albania,2\n", "has 3 fields, expected 4"),
        (HEADER + "2025,,2,x\n", "empty but required"),
    ],
)
def test_malformed_files_are_refused(db, db_url, tmp_path, content, message):
    path = write_csv(tmp_path / "malformed.csv", content)
    problems = refuse(db, db_url, path)
    assert message in problems[0].message


def test_byte_order_mark_crlf_and_spaces_are_accepted(db_url, tmp_path):
    with_report(db_url, tmp_path)
    path = write_csv(tmp_path / "excel.csv", b"\xef\xbb\xbf" + (HEADER + " 2026 , Albania , 2 , x \r\n").encode())
    [result] = load.load_files(db_url, [path])
    assert (result.kind, result.inserted) == ("rankings", 1)


def test_missing_path_is_named(db_url, tmp_path):
    with pytest.raises(MissingInput, match="no such file"):
        load.load_files(db_url, [tmp_path / "nowhere.csv"])


def test_history_is_refreshed_only_by_loads_that_feed_it(db, db_url, tmp_path):
    def filenode():
        # Every refresh rewrites the basis rows, so the transaction that wrote them names the last refresh.
        node = db.execute("SELECT min(xmin::text) FROM tip.ranking_history_basis").fetchone()[0]
        db.rollback()
        return node

    before = filenode()
    finding = write_csv(tmp_path / "findings_extra.csv", "report_year,country,category,finding,source\n"
                        "2020,China,other,test fixture finding,test fixture\n")
    load.load_files(db_url, [finding])
    assert filenode() == before  # a findings load has no reason to refresh the history
    placement = write_csv(tmp_path / "new.csv", HEADER + "2025,Albania,3,test fixture\n")
    load.load_files(db_url, [placement])
    assert filenode() != before


# One load is checked as a whole (issue 11).

def test_two_files_giving_one_key_are_refused_with_both_places(db, db_url, tmp_path):
    a = write_csv(tmp_path / "a.csv", HEADER + "2020,Namibia,1,x\n")
    b = write_csv(tmp_path / "b.csv", HEADER + "2020,Albania,2,x\n2020,namibia,3,y\n")
    [problem] = refuse(db, db_url, a, b)
    assert (problem.file, problem.line) == (str(b), 3)
    assert f"repeats the key of {a}:2" in problem.message


def test_the_same_file_given_twice_loads_once(db, db_url, tmp_path):
    with_report(db_url, tmp_path)
    path = write_csv(tmp_path / "new.csv", HEADER + "2026,Albania,2,test fixture\n")
    copy = write_csv(tmp_path / "copy.csv", path.read_bytes())
    results = load.load_files(db_url, [path, path, copy])
    assert [(r.path.name, r.inserted, r.skipped, r.same_as) for r in results] == [
        ("new.csv", 0, True, str(copy)), ("copy.csv", 1, False, None)]


def test_the_kind_comes_from_the_header_not_the_name(db_url, tmp_path):
    with_report(db_url, tmp_path)
    path = write_csv(tmp_path / "tier_conflicts_2026.csv", HEADER + "2026,Albania,2,test fixture\n")
    [result] = load.load_files(db_url, [path])
    assert (result.kind, result.inserted) == ("rankings", 1)


def test_standard_input_is_read_as_a_file(db, db_url, tmp_path, monkeypatch):
    import io
    import sys

    with_report(db_url, tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((HEADER + "2026,Albania,2,piped\n").encode())))
    [result] = load.load_files(db_url, [Path("-")])
    assert (result.path.name, result.inserted) == ("<stdin>", 1)
    assert db.execute("SELECT file_name FROM tip.load_run ORDER BY load_run_id DESC LIMIT 1").fetchone() == ("<stdin>",)


@pytest.mark.parametrize("special", ["fifo", "device"])
def test_special_files_are_refused_without_reading(db_url, tmp_path, special):
    path = tmp_path / "pipe.csv"
    if special == "fifo":
        os.mkfifo(path)  # opening it for reading would block forever
    else:
        path = Path("/dev/zero")  # reading it would never end
    with pytest.raises(MissingInput, match="not a regular file"):
        load.load_files(db_url, [path])


def test_a_file_rewritten_while_the_loader_waits_is_loaded_as_read(db, db_url, tmp_path):
    """The checksum recorded is that of the bytes loaded, taken after the load lock was granted."""
    import threading

    import psycopg

    with_report(db_url, tmp_path)
    path = write_csv(tmp_path / "new.csv", HEADER + "2026,Albania,2,old\n")
    with psycopg.connect(db_url) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [load.LOAD_LOCK_KEY])
        thread = threading.Thread(target=load.load_files, args=(db_url, [path]))
        thread.start()
        _wait_for_lock_waiter(db)
        write_csv(path, HEADER + "2026,Albania,3,new\n")
        holder.execute("SELECT pg_advisory_unlock(%s)", [load.LOAD_LOCK_KEY])
        thread.join(timeout=60)
    row = db.execute("SELECT r.tier_code, l.file_sha256 FROM tip.ranking r JOIN tip.load_run l USING (load_run_id) "
                     "WHERE r.report_year = 2026").fetchone()
    assert row == ("3", load._sha256(path))


def _wait_for_lock_waiter(db):
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        waiting = db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                             "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").fetchone()[0]
        db.rollback()
        if waiting:
            return
        time.sleep(0.01)
    raise AssertionError("the loader never waited for the lock")


def test_many_lines_repeating_a_key_give_a_bounded_message(db, db_url, tmp_path):
    path = write_csv(tmp_path / "dup.csv", HEADER + "2020,Namibia,1,x\n" * 40_000)
    [problem] = refuse(db, db_url, path)
    assert "and 39994 more" in problem.message and len(str(problem)) < 600


def test_a_bulk_load_keeps_every_reference_valid(db, db_url, tmp_path):
    """From BULK_ROWS rows on, the per-row foreign-key triggers are skipped; the staged checks stand in."""
    rows = "".join(f"2020,{country},other,synthetic bulk finding {n},test fixture\n"
                   for n, country in zip(range(load.BULK_ROWS), ["All countries", "Namibia", "Burma", "MYANMAR"] * 9999))
    path = write_csv(tmp_path / "bulk.csv", "report_year,country,category,finding,source\n" + rows)
    [result] = load.load_files(db_url, [path])
    assert (result.rows, result.inserted) == (load.BULK_ROWS, load.BULK_ROWS)
    foreign_keys = db.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'tip.finding'::regclass "
        "AND contype = 'f'").fetchall()
    assert len(foreign_keys) == 5
    for name, definition in foreign_keys:
        # What VALIDATE CONSTRAINT would find: rows whose reference has no target.
        column, target = re.match(r"FOREIGN KEY \((\w+)\) REFERENCES ([\w.]+)\((\w+)\)", definition).group(1, 2)
        orphans = db.execute(f"SELECT count(*) FROM tip.finding f WHERE f.{column} IS NOT NULL AND NOT EXISTS "
                             f"(SELECT 1 FROM {target} t WHERE t.{column} = f.{column})").fetchone()[0]
        assert orphans == 0, name
    assert db.execute("SELECT count(*) FROM tip.finding WHERE summary LIKE 'synthetic bulk finding %%' "
                      "AND iso3 = 'MMR'").fetchone() == (load.BULK_ROWS // 2,)


def _synthetic_countries(db, db_url, tmp_path, count: int) -> list[str]:
    """Load `count` synthetic countries (codes XAA, XAB, ... that no country has) and their names."""
    taken = {code for (code,) in db.execute("SELECT iso3 FROM tip.country")}
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = [c for c in (f"X{a}{b}" for a in letters for b in letters) if c not in taken][:count]
    load.load_files(db_url, [
        write_csv(tmp_path / "countries.csv", "iso3,name,region,subregion,source\n"
                  + "".join(f"{c},Synthetic {c},Africa,Synthetic,test fixture\n" for c in codes)),
        write_csv(tmp_path / "names.csv", "name_in_report,canonical_name,iso3\n"
                  + "".join(f"Synthetic {c},Synthetic {c},{c}\n" for c in codes)),
    ])
    return codes


def test_a_bulk_load_of_new_keys_appends_and_one_with_known_keys_updates(db, db_url, tmp_path, monkeypatch):
    """A bulk load whose keys are all new needs no ON CONFLICT; one whose keys are in the table falls back to it."""
    codes = _synthetic_countries(db, db_url, tmp_path, load.BULK_ROWS // 25)
    years = range(2001, 2026)
    tiers = ["1", "2", "2WL", "3"]
    appended = []
    real_upsert_sql = load.upsert_sql
    monkeypatch.setattr(load, "upsert_sql", lambda kind, append=False: appended.append((kind.name, append))
                        or real_upsert_sql(kind, append))
    first = write_csv(tmp_path / "bulk_1.csv", HEADER + "".join(
        f"{year},Synthetic {code},{tiers[(n + year) % 4]},test fixture\n" for year in years for n, code in enumerate(codes)))
    [result] = load.load_files(db_url, [first])
    assert (result.inserted, result.updated, appended) == (load.BULK_ROWS, 0, [("rankings", True)])
    # The history was refreshed from the appended rows: the first country (n = 0) moves one tier down each year (2003: 2WL to 3).
    assert db.execute("SELECT tier, previous_tier, change FROM analytics.rankings WHERE iso3 = %s AND report_year = 2003",
                      [codes[0]]).fetchone() == ("3", "2WL", "downgrade")
    second = write_csv(tmp_path / "bulk_2.csv", HEADER + "".join(
        f"{year},Synthetic {code},{tiers[(n + year) % 4] if n % 2 else '3'},test fixture\n"
        for year in years for n, code in enumerate(codes)))
    appended.clear()
    [result] = load.load_files(db_url, [second])
    changed = sum(1 for year in years for n in range(0, len(codes), 2) if tiers[(n + year) % 4] != "3")
    assert (result.inserted, result.updated, appended) == (0, changed, [("rankings", True), ("rankings", False)])
    assert db.execute("SELECT count(*) FROM tip.ranking WHERE iso3 = ANY(%s) AND tier_code = '3'", [codes]).fetchone()[0] == \
        sum(1 for year in years for n in range(len(codes)) if n % 2 == 0 or tiers[(n + year) % 4] == "3")


def test_a_bulk_load_with_one_bad_reference_loads_nothing(db, db_url, tmp_path):
    rows = "".join(f"2020,Namibia,other,synthetic bulk finding {n},test fixture\n" for n in range(load.BULK_ROWS))
    path = write_csv(tmp_path / "bulk.csv", "report_year,country,category,finding,source\n" + rows
                     + "2020,Narnia,other,one more,test fixture\n")
    [problem] = refuse(db, db_url, path)
    assert (problem.line, problem.value) == (load.BULK_ROWS + 2, "Narnia")


def test_a_file_name_that_is_not_utf8_is_shown_escaped(db, db_url, tmp_path):
    path = Path(os.fsdecode(bytes(tmp_path) + b"/placements_\xff.csv"))
    write_csv(path, HEADER + "2025,Atlantis,2,x\n")
    [problem] = refuse(db, db_url, path)
    assert problem.file.endswith("placements_\\udcff.csv") and problem.value == "Atlantis"
    str(problem).encode("utf-8")  # printable as it is: no lone surrogate left


def test_a_new_report_and_its_placements_load_in_one_command(db, db_url, tmp_path):
    """The README's "Loading a new year": the report row and its placements, any file names, one load.
    Nothing under seeds/ (inside the installed package when tipdb is not installed from a clone) is written."""
    from click.testing import CliRunner

    from tipdb.cli import main

    seeds = {p: p.stat().st_mtime_ns for p in load.seed_files()}
    report = write_csv(tmp_path / "my_report.csv", FIXTURE_REPORT)
    placements = write_csv(tmp_path / "my_placements.csv", HEADER + "2026,Namibia,1,test fixture\n"
                                                                    "2026,Burma,3,test fixture\n")
    result = CliRunner().invoke(main, ["load", str(placements), str(report)], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    rows = db.execute("SELECT country, tier, previous_tier FROM analytics.rankings WHERE report_year = 2026 "
                      "ORDER BY 1").fetchall()
    assert rows == [("Myanmar", "3", "3"), ("Namibia", "1", "2")]  # both as placed in 2025
    assert {p: p.stat().st_mtime_ns for p in load.seed_files()} == seeds


def test_value_and_reference_problems_come_in_one_pass_in_line_order(db, db_url, tmp_path):
    path = write_csv(tmp_path / "mixed.csv", HEADER + "2020,Atlantis,2,x\n" "twenty,Namibia,1,x\n"
                                                      "2020,Albania,Tier 3,x\n" "2020,Namibja,1,x\n")
    problems = refuse(db, db_url, path)
    assert [(p.line, p.column, p.value) for p in problems] == [
        (2, "country", "Atlantis"), (3, "report_year", "twenty"), (4, "tier", "Tier 3"), (5, "country", "Namibja")]


def test_a_carriage_return_inside_a_quoted_value_is_kept(db, db_url, tmp_path):
    with_report(db_url, tmp_path)
    path = write_csv(tmp_path / "cr.csv", b'report_year,country,tier,source\r\n2026,Namibia,1,"line one\rline two"\r\n')
    [result] = load.load_files(db_url, [path])
    assert result.inserted == 1
    assert db.execute("SELECT s.citation FROM tip.ranking r JOIN tip.source s USING (source_id) "
                      "WHERE r.report_year = 2026").fetchone() == ("line one\rline two",)


@pytest.mark.parametrize("content, message", [
    ("report_year,country,tier,source\n" + "1" * 5000 + ",Namibia,1,x\n", "is too large"),
])
def test_numbers_of_thousands_of_digits_are_refused(db, db_url, tmp_path, content, message):
    [problem] = refuse(db, db_url, write_csv(tmp_path / "big.csv", content))
    assert message in problem.message and len(str(problem)) < 400


def test_a_link_loop_is_refused(db_url, tmp_path):
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop.csv")
    with pytest.raises(MissingInput, match="cannot be read"):
        load.load_files(db_url, [tmp_path / "loop.csv"])


def test_endless_standard_input_is_refused_without_filling_the_disk(db_url, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\0" * (2 << 20))))  # like /dev/zero
    with pytest.raises(InputProblem, match="standard input"):
        load.load_files(db_url, [Path("-")])


def test_a_spelling_can_change_its_letter_case(db, db_url, tmp_path):
    path = write_csv(tmp_path / "names.csv", "name_in_report,canonical_name,iso3\nBURMA,Myanmar,MMR\n")
    [result] = load.load_files(db_url, [path])
    assert (result.inserted, result.updated) == (0, 1)
    assert db.execute("SELECT name FROM tip.country_name WHERE lower(name) = 'burma'").fetchall() == [("BURMA",)]


def test_a_country_name_held_by_another_code_is_located(db, db_url, tmp_path):
    path = write_csv(tmp_path / "countries.csv", "iso3,name,region,subregion,source\n"
                                                 "XNA,Namibia,Africa,Southern Africa,x\n")
    [problem] = refuse(db, db_url, path)
    assert (problem.line, problem.column, problem.value) == (2, "name", "Namibia")
    assert "already the name of another row" in problem.message


def test_a_refused_report_does_not_make_its_placements_look_unknown(db, db_url, tmp_path):
    report = write_csv(tmp_path / "report.csv", FIXTURE_REPORT.replace(",,,,test fixture", ",,,0,test fixture"))
    placements = write_csv(tmp_path / "placements.csv", HEADER + "2026,Namibia,1,x\n2026,Albania,2,x\n")
    problems = refuse(db, db_url, report, placements)
    assert [(p.file, p.column) for p in problems] == [(str(report), "countries_ranked")]


def test_the_bulk_path_is_the_one_taken(db, db_url, tmp_path, monkeypatch):
    taken = []
    merge = load._merge
    monkeypatch.setattr(load, "_merge", lambda conn, kind, bulk: taken.append(bulk) or merge(conn, kind, bulk))
    rows = "".join(f"2020,Namibia,other,synthetic bulk finding {n},test fixture\n" for n in range(load.BULK_ROWS))
    load.load_files(db_url, [write_csv(tmp_path / "bulk.csv", "report_year,country,category,finding,source\n" + rows)])
    load.load_files(db_url, [write_csv(tmp_path / "small.csv", "report_year,country,category,finding,source\n"
                                       "2020,Namibia,other,one synthetic finding,test fixture\n")])
    assert taken == [True, False]


@pytest.mark.parametrize("content", [
    HEADER + "2024,Albania,3,test fixture\n",  # a placement corrected: Albania's rows before and after change
    "iso3,name,region,subregion,source\nALB,Albania,Asia,Western Asia,test fixture\n",  # a region corrected
])
def test_history_after_a_small_load_equals_a_full_recomputation(db, db_url, tmp_path, content):
    """The loader refreshes only the countries whose rows changed; nothing else may differ."""
    load.load_files(db_url, [write_csv(tmp_path / "fix.csv", content)])
    differing = db.execute("SELECT count(*) FROM ((TABLE tip.ranking_history EXCEPT SELECT * FROM tip.ranking_history_rows(NULL)) "
                           "UNION ALL (SELECT * FROM tip.ranking_history_rows(NULL) EXCEPT TABLE tip.ranking_history)) d"
                           ).fetchone()[0]
    assert differing == 0
    assert db.execute("SELECT count(*) FROM tip.ranking_history WHERE iso3 = 'ALB' AND (tier = '3' AND report_year = 2024 "
                      "OR region = 'Asia')").fetchone()[0] >= 1


def test_bare_carriage_return_line_ends_are_named(db, db_url, tmp_path):
    [problem] = refuse(db, db_url, write_csv(tmp_path / "mac.csv", b"report_year,country,tier,source\r2020,Namibia,1,x\r"))
    assert "bare carriage return" in problem.message and "LF" in problem.hint
