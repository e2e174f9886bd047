"""Loading: idempotence, all-or-nothing, and clear refusals of bad input."""

import pytest

from tipdb import load, seeds
from tipdb.errors import InputProblem, MissingInput

from helpers import table_checksums, write_csv

HEADER = "report_year,country,tier,source\n"


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
    assert files == {p.name for p in seeds.seed_files()}


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
    first = write_csv(tmp_path / "new.csv", HEADER + "2025,Albania,2WL,test fixture\n")
    assert [(r.inserted, r.updated) for r in load.load_files(db_url, [first])] == [(1, 0)]
    corrected = write_csv(tmp_path / "fix.csv", HEADER + "2025,Albania,3,test fixture\n")
    assert [(r.inserted, r.updated) for r in load.load_files(db_url, [corrected])] == [(0, 1)]
    assert db.execute("SELECT tier_code FROM tip.ranking WHERE iso3 = 'ALB' AND report_year = 2025").fetchone() == ("3",)
    # The history behind analytics.rankings was refreshed in the same transaction.
    assert db.execute("SELECT tier, previous_tier FROM analytics.rankings WHERE iso3 = 'ALB' AND report_year = 2025"
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
    assert problem.line == 3 and "line 2" in problem.message


def test_year_without_a_report_is_refused(db, db_url, tmp_path):
    path = write_csv(tmp_path / "future.csv", HEADER + "2031,Vanuatu,2,x\n")
    [problem] = refuse(db, db_url, path)
    assert (problem.line, problem.column, problem.value) == (2, "report_year", "2031")


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
    path = write_csv(tmp_path / "excel.csv", b"\xef\xbb\xbf" + (HEADER + " 2025 , Albania , 2 , x \r\n").encode())
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
    placement = write_csv(tmp_path / "new.csv", HEADER + "2025,Albania,2,test fixture\n")
    load.load_files(db_url, [placement])
    assert filenode() != before
