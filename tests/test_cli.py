"""The command line, in-process against the test database and as a real process on the embedded default."""

import json
import os
from pathlib import Path
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tipdb import output, paths
from tipdb.load import seed_files
from tipdb.cli import main

from helpers import write_csv


def _runner(url):
    def invoke(*args):
        return CliRunner().invoke(main, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)

    return invoke


@pytest.fixture
def run(reader_url):
    return _runner(reader_url)


@pytest.fixture
def run_writable(db_url):
    return _runner(db_url)


def _commands(group=main, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,)
        if hasattr(command, "commands"):
            yield from _commands(command, prefix + (name,))


def test_help_lists_every_command(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("up", "url", "migrate", "rollback", "status", "load", "down", "query", "queries", "serve",
                    "docs", "search", "chart", "export", "seeds"):
        assert f"  {command} " in result.output


@pytest.mark.parametrize("command", [" ".join(c) for c in _commands()])
def test_every_command_has_help_with_an_example(run, command):
    result = run(*command.split(), "--help")
    assert result.exit_code == 0 and "Usage:" in result.output
    examples = result.output.split("Examples:\n", 1)[1].split("\n\n")[0].splitlines()
    # Every example runs the very command it documents (or a subcommand of it).
    assert examples and all(line.strip().split()[:1 + command.count(" ") + 1] == ["tipdb", *command.split()]
                            or f"tipdb {command}" in line for line in examples), examples


def test_query_tier_3_in_2019_as_json(run):
    result = run("query", "tier_members", "-p", "year=2019", "--format", "json")
    assert result.exit_code == 0
    countries = {row["country"] for row in json.loads(result.stdout)}
    assert len(countries) == 21  # ATEST: "21 countries with a Tier 3 ranking"
    assert {"Cuba", "Saudi Arabia", "Gambia", "Bhutan", "North Korea"} <= countries


def test_query_defaults_to_tier_3_of_the_latest_report(run):
    result = run("query", "tier_members", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("report_year,iso3,country")
    assert len(lines) - 1 == 20 and all(line.startswith("2025,") for line in lines[1:])


def test_unknown_query_and_parameter_exit_2_with_the_choices(run):
    result = run("query", "tier_member")
    assert result.exit_code == 2 and "did you mean 'tier_members'?" in result.stderr
    result = run("query", "tier_members", "-p", "yr=2019")
    assert result.exit_code == 2 and "year (integer)" in result.stderr


def test_load_refusal_exits_65_naming_file_line_column_value(run_writable, tmp_path):
    path = write_csv(tmp_path / "typo.csv", "report_year,country,tier,source\n2025,Namibiaa,1,x\n")
    result = run_writable("load", str(path))
    assert result.exit_code == 65
    assert f"{path}:2, column 'country', value 'Namibiaa'" in result.stderr
    assert "did you mean 'Namibia'?" in result.stderr


def test_status_shows_coverage(run):
    result = run("status", "--format", "csv")
    assert result.exit_code == 0
    assert "tip.ranking,4224" in result.stdout
    # Booleans are true/false and NULL an empty field, as --help says.
    assert "2015,2015-01-01,188,0,188,true,,true" in result.stdout \
        and "2024,2024-01-01,186,96,188,false,2,true" in result.stdout
    assert "NULL as an empty field" in run("status", "--help").output
    assert "Coverage per report year:" in result.stderr
    report = json.loads(run("status", "--format", "json").stdout)
    assert {"table": "tip.ranking", "rows": 4224} in report["rows per table"]
    assert next(r for r in report["coverage per report year"] if r["report_year"] == 2024)["missing_placements"] == 2


def test_up_on_the_embedded_default_as_a_user_would(tmp_path):
    """`tipdb up` twice in a fresh TIPDB_HOME, then a query and `tipdb down`, as real processes."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PG")}
    env["TIPDB_HOME"] = str(tmp_path / "home")
    tipdb = [sys.executable, "-m", "tipdb"]

    def call(*args):
        return subprocess.run(tipdb + list(args), env=env, capture_output=True, text=True, timeout=120)

    try:
        first = call("up")
        assert first.returncode == 0, first.stderr
        assert "4224 rows as rankings: 4224 inserted" in first.stderr
        files = len(seed_files())
        # A first load has nothing unchanged to report.
        migrations = [m for m in paths.schema_dir().glob("*.sql") if not m.name.endswith(".rollback.sql")]
        assert "unchanged" not in first.stderr and f"up: {len(migrations)} migrations applied" in first.stderr
        second = call("up")
        assert second.returncode == 0
        assert f"0 migrations applied, 0 rows inserted, 0 updated, {files} of {files} seed files unchanged" \
            in second.stderr
        answer = call("query", "tier_members", "-p", "year=2020", "-f", "csv")
        assert "2020,AFG,Afghanistan,Asia,3,2WL,downgrade,read" in answer.stdout
        url = call("url").stdout.strip()
        assert os.path.realpath(tmp_path / "home" / "pgdata") in url  # a link to the data under root
        check_serve(call, url)
    finally:
        stopped = call("down")
    assert stopped.returncode == 0 and "stopped" in stopped.stderr


def test_ci_runs_the_readme_test_command():
    from pathlib import Path

    top = Path(__file__).resolve().parents[1]
    command = [line for line in (top / ".ci" / "run").read_text().splitlines() if line.startswith("python3 -m venv")]
    assert len(command) == 1 and command[0] in (top / "README.md").read_text()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_serve(call, socket_url):
    """`tipdb serve`: loopback only by default, tip_reader over TCP, nobody else."""
    import psycopg

    refused = call("serve", "--host", "0.0.0.0")
    assert refused.returncode == 2 and "--allow-public" in refused.stderr
    port = _free_port()
    served = call("serve", "--port", str(port))
    assert served.returncode == 0, served.stderr
    reader_url = served.stdout.strip()
    assert reader_url.startswith("postgresql://tip_reader:") and reader_url.endswith(f"@127.0.0.1:{port}/tipdb")
    with psycopg.connect(reader_url) as conn:
        assert conn.execute("SELECT count(*) FROM analytics.rankings WHERE report_year = 2015").fetchone() == (188,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM tip.ranking")
    with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry"):
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/tipdb").close()
    from psycopg.conninfo import conninfo_to_dict

    password = conninfo_to_dict(reader_url)["password"]
    log = (Path(conninfo_to_dict(socket_url)["host"]) / "log").read_text()
    assert password not in log


def test_bad_parameter_values_are_refused_with_the_allowed_values(run):
    result = run("query", "tier_changes", "-p", "direction=up")
    assert result.exit_code == 2 and "allowed: upgrade, downgrade" in result.stderr
    result = run("query", "tier_members", "-p", "year=2030")
    assert result.exit_code == 2 and "report years: 2001 to 2025" in result.stderr
    result = run("search", "labor", "--year", "1999")
    assert result.exit_code == 2 and "no report for year 1999" in result.stderr
    result = run("query", "tier_members", "-p", "year=²⁰¹⁹")  # superscript digits are not a year
    assert result.exit_code == 2 and "whole number" in result.stderr
    assert run("query", "tier_changes", "-p", "direction=upgrade", "-p", "year=2019").exit_code == 0


def test_table_never_cuts_when_not_a_terminal_and_counts_one_row(run, reader_db):
    longest = reader_db.execute("SELECT source FROM analytics.rankings WHERE iso3 = 'NAM' AND report_year = 2020"
                                ).fetchone()[0]
    assert len(longest) > 60
    result = run("query", "country_history", "-p", "country=Namibia")
    assert result.exit_code == 0 and longest in result.stdout
    assert run("query", "tier_members", "-p", "year=2001", "-p", "tier=1").stdout.endswith("(11 rows)\n")
    import io

    single = io.StringIO()
    output.write_table(output.Result([output.Column("n", "int4")], [(1,)]), single, {})
    assert single.getvalue().endswith("(1 row)\n")


def test_table_wraps_long_text_within_the_terminal_width():
    import io

    text = "word " * 60
    result = output.Result([output.Column("id", "int4"), output.Column("summary")], [(1, text.strip()), (2, "x")])
    out = io.StringIO()
    output.write_table(result, out, {"width": 80})
    lines = out.getvalue().splitlines()
    assert max(map(len, lines)) <= 80 and len(lines) > 5
    assert " ".join(out.getvalue().split()).count("word") == 60  # wrapped, not cut
    wide = io.StringIO()
    output.write_table(output.Result(result.columns, [(1, text.strip())]), wide, {})
    assert len(wide.getvalue().splitlines()) == 4  # no width given (a pipe): one line per row


def test_export_and_query_write_every_format_to_stdout(run):
    import io

    import pyarrow.parquet

    csv_text = run("export", "view", "tiers", "-o", "-").stdout
    assert csv_text.splitlines()[0] == "tier,tier_label,tier_ordinal,is_ranked" and ",true" in csv_text
    lines = run("export", "query", "tier_members", "-p", "year=2019", "-o", "-", "-f", "jsonl").stdout.splitlines()
    assert len(lines) == 21 and json.loads(lines[0])["report_year"] == 2019
    parquet = run("export", "view", "tiers", "-o", "-", "-f", "parquet").stdout_bytes
    table = pyarrow.parquet.read_table(io.BytesIO(parquet))
    assert table.column("tier").to_pylist() == ["1", "2", "2WL", "3", "special_case"]


def test_no_color_is_honoured(run, reader_url):
    def failing(env):
        return CliRunner().invoke(main, ["query", "nonsense"], env={"DATABASE_URL": reader_url, **env}, color=True)

    assert "\x1b[" in failing({}).stderr
    assert "\x1b[" not in failing({"NO_COLOR": "1"}).stderr and "error:" in failing({"NO_COLOR": "1"}).stderr


def test_progress_line_is_cleared_before_an_error(run_writable, tmp_path, monkeypatch):
    from tipdb import cli

    monkeypatch.setattr(cli, "_terminal", lambda stream: True)
    path = write_csv(tmp_path / "typo.csv", "report_year,country,tier,source\n2025,Namibiaa,1,x\n")
    result = run_writable("load", str(path))
    assert result.exit_code == 65
    assert "loading typo.csv: 1 rows\r\x1b[Kerror:" in result.stderr


def test_rollback_all_asks_first(run_writable, db, tmp_path, monkeypatch):
    from tipdb import cli
    from helpers import table_checksums

    before = table_checksums(db)
    db.rollback()  # hold no locks: a rollback that did not ask would otherwise wait for them
    refused = run_writable("rollback", "--all")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    monkeypatch.setattr(cli, "_terminal", lambda stream: True)
    declined = CliRunner().invoke(main, ["rollback", "--all"], input="n\n", env={"DATABASE_URL": db_url_of(db)})
    assert declined.exit_code == 1 and "user-loaded years included?" in declined.stderr
    db.rollback()
    assert table_checksums(db) == before
    db.rollback()  # end the reading transaction: rolling back the schema needs its locks
    done = run_writable("rollback", "--all", "--yes")
    assert done.exit_code == 0 and "0001_schemas" in done.stderr
    db.rollback()
    assert db.execute("SELECT to_regclass('tip.ranking')").fetchone() == (None,)


def db_url_of(conn):
    from conftest import conninfo

    return conninfo(conn.info.dbname)


def test_start_up_imports_only_what_a_command_needs():
    """`tipdb query` pays for psycopg and click, not for formats, hints or extras it does not use."""
    script = ("import sys, tipdb.cli, tipdb.queries, tipdb.catalog, tipdb.output\n"
              "print(' '.join(sorted(sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                check=True).stdout.split())
    assert not loaded & {"tabulate", "pyarrow", "difflib", "matplotlib", "yoyo", "frictionless", "pandas"}
    cli_only = subprocess.run([sys.executable, "-c", "import sys, tipdb.cli; print(' '.join(sys.modules))"],
                              capture_output=True, text=True, check=True).stdout.split()
    assert "psycopg" not in cli_only  # `tipdb --help` never loads the driver
