"""`tipdb seeds refresh`: incoming files are checked before anything in seeds/ changes."""

import shutil

import pytest

from tipdb import load, refresh
from tipdb.errors import InputProblem

from helpers import write_csv

SOURCES = load.seed_files()[0].parent


@pytest.fixture
def seeds_copy(tmp_path):
    target = tmp_path / "seeds"
    target.mkdir()
    for path in SOURCES.glob("*.csv"):
        shutil.copyfile(path, target / path.name)
    return target


def snapshot(directory):
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def test_a_bad_incoming_file_changes_nothing(db_url, tmp_path, seeds_copy):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    write_csv(incoming / "tier_placements_2026.csv", "report_year,country,tier,source\n2025,Atlantis,2,x\n")
    before = snapshot(seeds_copy)
    with pytest.raises(InputProblem) as caught:
        list(refresh.refresh(db_url, incoming, seeds_copy))
    assert [(p.line, p.value) for p in caught.value.problems] == [(2, "Atlantis")]
    assert snapshot(seeds_copy) == before


def test_links_are_not_followed_and_compiled_conflicts_get_their_header(db_url, tmp_path, seeds_copy):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    secret = write_csv(tmp_path / "secret.txt", "root:x:0:0\n")
    (incoming / "NOTES.md").symlink_to(secret)
    conflicts = "report_year,country,tier,source\n2023,Congo (ROC),2,a source\n"
    write_csv(incoming / "tier_conflicts.csv", conflicts)
    lines = list(refresh.refresh(db_url, incoming, seeds_copy))
    assert "skipped NOTES.md: not a regular file (links are not followed)" in lines
    assert not (seeds_copy / "NOTES.md").exists()
    taken = (seeds_copy / "tier_conflicts.csv").read_text()
    assert taken == conflicts.replace("report_year,country,tier,source", "report_year,country,disputed_tier,source")


def test_the_installed_package_is_never_written(monkeypatch, tmp_path, db_url):
    package_seeds = tmp_path / "site-packages" / "tipdb" / "seeds"
    package_seeds.mkdir(parents=True)
    monkeypatch.setattr(refresh, "seeds_dir", lambda: package_seeds)
    with pytest.raises(refresh.RefreshRefused, match="installed tipdb package"):
        list(refresh.refresh(db_url, tmp_path))


def test_data_loaded_by_hand_cannot_make_bad_seeds_pass(db_url, tmp_path, seeds_copy):
    """The check runs in a scratch database with the seeds alone, not in the user's database."""
    report = "report_year,release_date,reporting_period_start,reporting_period_end,countries_ranked,source\n"
    load.load_files(db_url, [write_csv(tmp_path / "report_2026.csv", report + "2026,2026-06-25,,,,test fixture\n")])
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    placements = write_csv(incoming / "placements_2026.csv", "report_year,country,tier,source\n2026,Namibia,1,x\n")
    with pytest.raises(InputProblem) as caught:
        list(refresh.refresh(db_url, incoming, seeds_copy))
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.value) == (str(placements), 2, "2026")


def test_a_withdrawn_code_keeps_its_sourced_region_without_the_file(db_url, tmp_path, seeds_copy):
    """country_converter has no region for ANT; its row, sourced once, is never replaced by a guess."""
    before = (seeds_copy / "countries.csv").read_text()
    empty = tmp_path / "incoming"
    empty.mkdir()
    list(refresh.refresh(db_url, empty, seeds_copy))
    after = (seeds_copy / "countries.csv").read_text()
    assert after == before and "\nANT,Netherlands Antilles,America,Caribbean," in after
