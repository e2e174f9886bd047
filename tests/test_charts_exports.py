"""Charts drawn from real data, and exports in CSV, JSON Lines, Parquet and as Frictionless data packages."""

import json
import os
import stat
import re
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
    """The SVG with runs of white space made single spaces, so wrapped chart notes read as one line."""
    return " ".join(path.read_text(encoding="utf-8").split())


def ids(text: str, prefix: str) -> set[str]:
    """The ids of the SVG groups a chart drew, e.g. bar-2020-1 or incomplete-2024 (charts set them as gid)."""
    return set(re.findall(rf'id="({re.escape(prefix)}[^"]*)"', text))


def group(text: str, gid: str) -> str:
    """The SVG markup of the group a chart drew with this id."""
    start = text.index(f'id="{gid}"')
    return text[start:text.index("</g> </g>", start)]


def test_history_chart_labels_countries_tiers_years_and_source(run, tmp_path):
    path = tmp_path / "history.svg"
    result = run("chart", "history", "Namibia", "Burma", "-o", str(path))
    assert result.exit_code == 0, result.output
    text = svg_text(path)
    for label in ("Namibia: tier in each TIP Report", "Myanmar: tier in each TIP Report", "Tier 2 Watch List",
                  "Special Case", "2001", "2025", "Source: tipdb"):
        assert label in text


def test_history_tells_derived_from_read_and_why_a_year_has_no_point(run, tmp_path):
    path = tmp_path / "namibia.svg"
    assert run("chart", "history", "Namibia", "-o", str(path)).exit_code == 0
    text = svg_text(path)
    points = ids(text, "point-")
    # Namibia 2016 is derived (hollow), 2020 read in a source (filled).
    assert {"point-2016-2-derived", "point-2020-1-read"} <= points
    assert "fill: #ffffff" in group(text, "point-2016-2-derived")  # hollow
    assert "fill: #ffffff" not in group(text, "point-2020-1-read")  # filled
    assert "placement derived from other statements (hollow)" in text
    assert "placement read in a source (filled)" in text
    gaps = ids(text, "gap-")
    # No placement before 2008: in 2002 (complete) Namibia was not yet in the reports; 2004 is an incomplete year,
    # 2001 an unverified one. Every year without a point says why.
    assert {"gap-2002-not_yet_in_the_reports", "gap-2004-incomplete_year", "gap-2001-unverified_year"} <= gaps
    placed = {p.split("-")[1] for p in points}
    assert placed | {g.split("-")[1] for g in gaps} == {str(y) for y in range(2001, 2026)}
    assert "no placement: incomplete year" in text and "Unverified: no published total" in text
    assert {"incomplete-2024", "unverified-2021"} <= ids(text, "incomplete-") | ids(text, "unverified-")


def test_history_gaps_stay_gaps(reader_db):
    rows = charts._rows(reader_db, "country_history", country="Yemen")
    years = sorted(charts.coverage(reader_db))
    runs = charts._runs([(r["report_year"], r["tier"]) for r in rows], years)
    # Yemen's 2024 placement is one of the two missing from that report, so its line breaks there.
    assert [(run[0][0], run[-1][0]) for run in runs] == [(2004, 2023), (2025, 2025)]


def test_history_refuses_too_many_countries(run, tmp_path):
    result = run("chart", "history", *["Namibia"] * (charts.MAX_HISTORY_COUNTRIES + 1), "-o", str(tmp_path / "x.svg"))
    assert result.exit_code == 2 and f"at most {charts.MAX_HISTORY_COUNTRIES} countries" in result.stderr
    assert not (tmp_path / "x.svg").exists()


def test_unsupported_extension_is_a_tipdb_error(run, tmp_path):
    result = run("chart", "mix", "-o", str(tmp_path / "mix.pdf"))
    assert result.exit_code == 2 and "charts are written as .png or .svg" in result.stderr
    assert "Traceback" not in result.output


def test_tier_mix_marks_incomplete_years(run, tmp_path):
    path = tmp_path / "mix.svg"
    assert run("chart", "mix", "-o", str(path)).exit_code == 0
    text = svg_text(path)
    assert "Tier mix per TIP Report" in text and "Countries placed" in text
    # Hatched bands behind exactly the incomplete and the unverified years, explained in the legend and the note.
    assert ids(text, "incomplete-") == {"incomplete-2004", "incomplete-2005", "incomplete-2008", "incomplete-2024"}
    assert ids(text, "unverified-") == {f"unverified-{y}" for y in (2001, 2003, 2006, 2007, 2021)}
    assert "incomplete year: fewer placements loaded than the report made" in text
    assert "Incomplete: the report placed more countries than tipdb has sourced placements for" in text
    assert ">186 of 188 placed<" in text
    # One bar per tier of analytics.tiers in every year.
    assert {"bar-2024-1", "bar-2024-special_case", "bar-2020-2WL"} <= ids(text, "bar-")


def test_tier_mix_shares_do_not_draw_partial_years(run, tmp_path):
    path = tmp_path / "shares.svg"
    assert run("chart", "mix", "--shares", "-o", str(path)).exit_code == 0
    text = svg_text(path)
    drawn = {b.split("-")[1] for b in ids(text, "bar-")}
    assert drawn.isdisjoint({"2004", "2005", "2008", "2024"}) and {"2016", "2020", "2025"} <= drawn
    assert ">not drawn: 186 of 188 placed<" in text and "not drawn for incomplete years" in text
    regional = tmp_path / "africa.png"
    assert run("chart", "mix", "--region", "Africa", "--shares", "-o", str(regional)).exit_code == 0
    assert regional.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "did you mean 'Africa'" in run("chart", "mix", "--region", "Afrika", "-o", str(regional)).stderr


def test_transition_heat_map(run, tmp_path):
    path = tmp_path / "moves.svg"
    assert run("chart", "transitions", "2019", "2020", "-o", str(path)).exit_code == 0
    text = svg_text(path)
    assert "Tier transitions, 2019 to 2020 TIP Report" in text
    assert ">72<" in text  # 72 countries stayed on Tier 2 (transition_matrix)
    # A "not placed" row and column: Vanuatu, first placed in 2020, is counted; all 188 placements are.
    assert "cell-not_placed-Tier_2" in ids(text, "cell-")
    assert "Placement in the 2020 report (188 placed)" in text and "(187 placed)" in text
    assert "'not placed': no placement loaded for that report" in text


def test_transitions_into_an_incomplete_year_say_so(run, tmp_path):
    path = tmp_path / "moves.svg"
    assert run("chart", "transitions", "2023", "2024", "-o", str(path)).exit_code == 0
    text = svg_text(path)
    assert ids(text, "doubt-") == {"doubt-2024"}
    assert "The 2024 report is an incomplete year" in text


def test_unknown_country_fails_clearly(run, tmp_path):
    result = run("chart", "history", "Namibja", "-o", str(tmp_path / "x.svg"))
    assert result.exit_code == 2 and "did you mean 'Namibia'?" in result.stderr
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet"])
def test_export_view(run, tmp_path, suffix):
    path = tmp_path / f"rankings{suffix}"
    result = run("export", "view", "rankings", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 4224 rows to {path}\n"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left beside it
    if suffix == ".parquet":
        table = pyarrow.parquet.read_table(path)
        assert table.num_rows == 4224 and "previous_tier" in table.column_names
        records = table.to_pylist()
    elif suffix == ".jsonl":
        records = [json.loads(line) for line in path.read_text().splitlines()]
    elif suffix == ".json":
        records = json.loads(path.read_text())
    else:
        lines = path.read_text().splitlines()
        assert lines[0].startswith("report_year,report_year_date,iso3,country") and len(lines) == 4225
        # NULL is an empty field (no previous tier in the first report).
        assert lines[1].startswith("2001,2001-01-01,AGO,Angola,Africa,Middle Africa,2,Tier 2,2,,first_ranked,")
        return
    assert len(records) == 4224
    assert {"report_year": 2020, "country": "Namibia", "tier": "1"}.items() <= next(
        r for r in records if r["iso3"] == "NAM" and r["report_year"] == 2020).items()
    keys = [(r["report_year"], r["iso3"]) for r in records]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)  # sorted by the view's key


def test_parquet_keeps_the_database_types_and_column_comments(run, reader_db, tmp_path):
    import pyarrow as pa

    expected = {"int2": pa.int16(), "int4": pa.int32(), "int8": pa.int64(), "text": pa.string(),
                "bool": pa.bool_(), "date": pa.date32()}
    seen = set()
    for view in ("rankings", "reports", "tier_counts", "coverage"):
        path = tmp_path / f"{view}.parquet"
        assert run("export", "view", view, "-o", str(path)).exit_code == 0
        schema = pyarrow.parquet.read_schema(path)
        database = reader_db.execute(
            "SELECT a.attname, t.typname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
            "JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = %s::regclass AND a.attnum > 0 ORDER BY a.attnum",
            [f"analytics.{view}"]).fetchall()
        assert schema.names == [name for name, _, _ in database]
        for name, typname, comment in database:
            field = schema.field(name)
            assert field.type == expected[typname], (view, name)
            assert field.metadata[b"description"].decode() == comment
            seen.add(typname)
        assert json.loads(schema.metadata[b"sorted_by"])[:1] == ["report_year"]
    assert seen == set(expected)


def test_export_query_keeps_types_when_a_column_is_all_null(run, tmp_path):
    path = tmp_path / "first.parquet"
    assert run("export", "query", "tier_members", "-p", "year=2001", "-o", str(path)).exit_code == 0
    table = pyarrow.parquet.read_table(path)
    assert table.column("previous_tier").null_count == table.num_rows > 0  # the first report has no predecessor
    assert table.schema.field("previous_tier").type == "string"
    assert table.schema.field("report_year").type == "int16"


def test_export_query_and_unknown_view(run, tmp_path):
    path = tmp_path / "namibia.parquet"
    assert run("export", "query", "country_history", "-p", "country=NAM", "-o", str(path)).exit_code == 0
    table = pyarrow.parquet.read_table(path).to_pylist()
    assert {r["report_year"]: r["tier"] for r in table}[2020] == "1"
    result = run("export", "view", "nonsense", "-o", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and "rankings" in result.stderr
    assert list(tmp_path.iterdir()) == [path]
    unknown = run("export", "view", "rankings", "-o", str(tmp_path / "x.xlsx"))
    assert unknown.exit_code == 2 and "--format" in unknown.stderr


def test_a_failed_export_leaves_no_file(run, tmp_path, monkeypatch):
    from tipdb import output

    def broken(result, out, options):
        out.write("report_year\n2001\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(output.FORMATS, "csv", output.Format("csv", ".csv", False, broken, ""))
    result = run("export", "view", "rankings", "-o", str(tmp_path / "rankings.csv"))
    assert result.exit_code == 74 and "No space left on device" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_exported_data_package_is_valid(run, tmp_path):
    result = run("export", "datapackage", str(tmp_path / "package"))
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["package"]
    descriptor = json.loads((tmp_path / "package" / "datapackage.json").read_text())
    ranking = next(r for r in descriptor["resources"] if r["name"] == "ranking")
    assert ranking["schema"]["primaryKey"] == ["report_year", "iso3"]
    assert {"fields": ["iso3"], "reference": {"resource": "country", "fields": ["iso3"]}} in ranking["schema"]["foreignKeys"]
    assert descriptor["licenses"][0]["name"] == "CC0-1.0" and "public domain" in descriptor["rights"]
    from importlib.metadata import version
    from datetime import datetime, timezone

    assert descriptor["version"] == version("tipdb")
    created = datetime.fromisoformat(descriptor["created"])
    assert abs((datetime.now(timezone.utc) - created).total_seconds()) < 600
    rows = (tmp_path / "package" / "ranking.csv").read_text().splitlines()
    assert rows[1].startswith("2001,AGO,")  # in key order
    report = validate(tmp_path / "package" / "datapackage.json")
    assert report.valid, report.flatten(["type", "message"])[:5]
    again = run("export", "datapackage", str(tmp_path / "package"))
    assert again.exit_code == 2 and "not an empty directory" in again.stderr


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


def test_an_output_path_that_is_not_a_regular_file_is_written_through_not_replaced(run, tmp_path):
    """`-o /dev/full` must fail as the device does, and a link, pipe or device must stay what it was."""
    result = run("export", "view", "rankings", "-f", "csv", "-o", "/dev/full")
    assert result.exit_code == 74 and "No space left on device" in result.stderr
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    target = tmp_path / "target.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert run("export", "view", "rankings", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and target.read_text().startswith("report_year,")


def test_overwriting_a_file_keeps_its_mode(run, tmp_path):
    path = tmp_path / "private.csv"
    path.write_text("old\n")
    path.chmod(0o600)
    assert run("export", "view", "rankings", "-o", str(path)).exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text().startswith("report_year,")
