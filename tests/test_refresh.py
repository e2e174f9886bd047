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
