"""Charts drawn from real data, and exports in CSV, JSON Lines, Parquet and as Frictionless data packages."""

import json
import shutil
from pathlib import Path

import pyarrow.parquet
import pytest
from click.testing import CliRunner
from frictionless import validate

from tipdb import charts, datapackage, paths
from tipdb.cli import main


@pytest.fixture
def run(reader_url):
    def invoke(*args):
        return CliRunner().invoke(main, list(args), env={"DATABASE_URL": reader_url})

    return invoke


def svg_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_history_chart_labels_countries_tiers_years_and_source(run, tmp_path):
    path = tmp_path / "history.svg"
    result = run("chart", "history", "Namibia", "Burma", "-o", str(path))
    assert result.exit_code == 0, result.output
    text = svg_text(path)
    for label in ("Namibia: tier in each TIP Report", "Myanmar: tier in each TIP Report", "Tier 2 Watch List",
                  "Special Case", "2001", "2025", "Source: tipdb"):
        assert label in text


def test_history_gaps_stay_gaps(reader_db):
    rows = charts._rows(reader_db, "country_history", country="Somalia")
    years = [r["report_year"] for r in charts._rows(reader_db, "coverage")]
    runs = charts._runs([(r["report_year"], r["tier"]) for r in rows], years)
    # No Somalia placement is sourced for 2024 (SOURCES.md), so its line breaks there instead of bridging.
    assert [(run[0][0], run[-1][0]) for run in runs] == [(2003, 2023), (2025, 2025)]


def test_tier_mix_marks_incomplete_years(run, tmp_path):
    path = tmp_path / "mix.svg"
    assert run("chart", "mix", "-o", str(path)).exit_code == 0
    text = svg_text(path)
    assert "Tier mix per TIP Report" in text and "incomplete" in text and "Countries placed" in text
    regional = tmp_path / "africa.png"
    assert run("chart", "mix", "--region", "Africa", "--shares", "-o", str(regional)).exit_code == 0
    assert regional.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_transition_heat_map(run, tmp_path):
    path = tmp_path / "moves.svg"
    assert run("chart", "transitions", "2019", "2020", "-o", str(path)).exit_code == 0
    text = svg_text(path)
    assert "Tier transitions, 2019 to 2020 TIP Report" in text
    assert ">72<" in text  # 72 countries stayed on Tier 2 (transition_matrix)


def test_unknown_country_fails_clearly(run, tmp_path):
    result = run("chart", "history", "Namibja", "-o", str(tmp_path / "x.svg"))
    assert result.exit_code == 2 and "did you mean 'Namibia'?" in result.stderr
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_export_view(run, tmp_path, suffix):
    path = tmp_path / f"rankings{suffix}"
    result = run("export", "view", "rankings", "-o", str(path))
    assert result.exit_code == 0, result.output
    if suffix == ".parquet":
        table = pyarrow.parquet.read_table(path)
        assert table.num_rows == 4224 and "previous_tier" in table.column_names
    elif suffix == ".jsonl":
        records = [json.loads(line) for line in path.read_text().splitlines()]
        assert len(records) == 4224
        assert {"report_year": 2020, "country": "Namibia", "tier": "1"}.items() <= next(
            r for r in records if r["iso3"] == "NAM" and r["report_year"] == 2020).items()
    else:
        lines = path.read_text().splitlines()
        assert lines[0].startswith("report_year,report_year_date,iso3,country") and len(lines) == 4225


def test_export_query_and_unknown_view(run, tmp_path):
    path = tmp_path / "namibia.parquet"
    assert run("export", "query", "country_history", "-p", "country=NAM", "-o", str(path)).exit_code == 0
    table = pyarrow.parquet.read_table(path).to_pylist()
    assert {r["report_year"]: r["tier"] for r in table}[2020] == "1"
    result = run("export", "view", "nonsense", "-o", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and "rankings" in result.stderr


def test_exported_data_package_is_valid(run, tmp_path):
    result = run("export", "datapackage", str(tmp_path / "package"))
    assert result.exit_code == 0, result.output
    descriptor = json.loads((tmp_path / "package" / "datapackage.json").read_text())
    ranking = next(r for r in descriptor["resources"] if r["name"] == "ranking")
    assert ranking["schema"]["primaryKey"] == ["report_year", "iso3"]
    assert {"fields": ["iso3"], "reference": {"resource": "country", "fields": ["iso3"]}} in ranking["schema"]["foreignKeys"]
    report = validate(tmp_path / "package" / "datapackage.json")
    assert report.valid, report.flatten(["type", "message"])[:5]


def test_seeds_are_a_valid_data_package_matching_the_catalog(reader_db):
    committed = paths.seeds_dir() / "datapackage.json"
    assert json.loads(committed.read_text()) == datapackage.seeds_descriptor(reader_db), \
        "seeds/datapackage.json is stale: run `tipdb seeds datapackage`"
    report = validate(committed)
    assert report.valid, report.flatten(["type", "message"])[:5]


def test_the_seed_package_check_catches_a_broken_reference(tmp_path):
    copy = tmp_path / "seeds"
    shutil.copytree(paths.seeds_dir(), copy)
    placements = copy / "tier_placements.csv"
    placements.write_text(placements.read_text().replace("2020,Namibia,1,", "2020,Namibiaa,1,", 1))
    report = validate(copy / "datapackage.json")
    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}


def test_a_missing_extra_is_named_not_a_traceback(run, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if tipdb[charts] were not installed
    result = run("chart", "mix", "-o", str(tmp_path / "mix.png"))
    assert result.exit_code == 69
    assert "pip install 'tipdb[charts]'" in result.stderr
