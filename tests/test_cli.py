"""The command line, in-process against the test database and as a real process on the embedded default."""

import json
import os
from pathlib import Path
import subprocess
import sys

import pytest
from click.testing import CliRunner

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


def test_help_lists_every_command(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("up", "url", "migrate", "rollback", "status", "load", "down", "query", "queries", "serve",
                    "docs", "search"):
        assert f"  {command} " in result.output


@pytest.mark.parametrize("command", ["up", "url", "migrate", "rollback", "status", "load", "down", "query",
                                     "queries", "seeds", "serve", "docs", "search"])
def test_every_command_has_help(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


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
    assert "2015,2015-01-01,188,0,188,True" in result.stdout
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
        second = call("up")
        files = len(seed_files())
        assert second.returncode == 0
        assert f"0 row(s) inserted, 0 updated, {files} of {files} seed file(s) unchanged" in second.stderr
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
    password = reader_url.split(":")[2].split("@")[0]
    log = (Path(socket_url.split("host=")[1].split("&")[0]) / "log").read_text()
    assert password not in log
