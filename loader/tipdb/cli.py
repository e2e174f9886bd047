"""The `tipdb` command line: parses arguments, calls the modules below, prints, sets exit codes.

Exit codes follow sysexits(3): 0 success, 2 bad usage (unknown query or parameter),
65 bad input data, 66 input file missing, 69 database or optional extra unavailable,
70 migration problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tipdb import errors

EXIT_USAGE = 2
EXIT_DATAERR = 65
EXIT_NOINPUT = 66
EXIT_UNAVAILABLE = 69
EXIT_SOFTWARE = 70

_EXIT_CODES = {
    errors.InputProblem: EXIT_DATAERR,
    errors.MissingInput: EXIT_NOINPUT,
    errors.ConnectionProblem: EXIT_UNAVAILABLE,
    errors.MissingExtra: EXIT_UNAVAILABLE,
    errors.MigrationProblem: EXIT_SOFTWARE,
    errors.QueryProblem: EXIT_USAGE,
}

format_option = click.option(
    "--format", "-f", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
    help="Output as an aligned table for people, or CSV / JSON for other programs.",
)


def _fail(exc: errors.TipdbError) -> None:
    if isinstance(exc, errors.InputProblem):
        click.secho(f"error: {len(exc.problems)} problem(s); nothing was loaded:", fg="red", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
    else:
        click.secho(f"error: {exc}", fg="red", err=True)
    sys.exit(next((code for kind, code in _EXIT_CODES.items() if isinstance(exc, kind)), 1))


class _Group(click.Group):
    """Turns tipdb's own errors into a message and a meaningful exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except errors.TipdbError as exc:
            _fail(exc)


def _progress():
    """A one-line progress display on a terminal; silence in pipes and CI logs."""
    if not sys.stderr.isatty():
        return None

    def show(path: Path, rows: int) -> None:
        click.echo(f"\r  loading {path.name}: {rows:,} rows", nl=False, err=True)

    return show


def _report_loads(results) -> None:
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)
    for r in results:
        if r.skipped:
            click.echo(f"  {r.path.name}: already loaded (same checksum), skipped", err=True)
        else:
            click.echo(f"  {r.path.name}: {r.rows} rows as {r.kind}: {r.inserted} inserted, {r.updated} updated",
                       err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tipdb")
def main():
    """tipdb: the U.S. TIP Report's tier placements as a PostgreSQL database.

    With no DATABASE_URL (or PG* variables) tipdb starts and uses a private PostgreSQL
    server kept in $TIPDB_HOME (default: your user data directory).
    """


@main.command()
@click.option("--force", is_flag=True, help="Reload seed files even if their checksums were loaded before.")
def up(force):
    """Start or reach the database, apply migrations and load the seeds. Safe to repeat."""
    from tipdb import database, load, migrations

    url = database.url()
    applied = migrations.apply(url)
    if applied:
        click.echo(f"applied {len(applied)} migration(s): {', '.join(applied)}", err=True)
    results = load.load_seeds(url, force=force, progress=_progress())
    changed = [r for r in results if not r.skipped]
    if changed:
        _report_loads(changed)
    click.echo(f"tipdb is up: {len(applied)} migration(s) applied, "
               f"{sum(r.inserted for r in results)} row(s) inserted, {sum(r.updated for r in results)} updated, "
               f"{sum(r.skipped for r in results)} of {len(results)} seed file(s) unchanged", err=True)


@main.command()
@click.option("--reader", is_flag=True, help="The read-only tip_reader's URL over TCP (after `tipdb serve`).")
def url(reader):
    """Print the connection URL, for psql or a BI tool: psql "$(tipdb url)"."""
    from tipdb import database

    if reader:
        from tipdb import serve as server

        try:
            click.echo(server.reader_url())
        except server.ServeRefused as exc:
            raise click.UsageError(str(exc)) from exc
        return
    click.echo(database.url())


@main.command()
def down():
    """Stop the embedded server (its data stays in $TIPDB_HOME)."""
    from tipdb import database, embedded

    if not database.is_embedded():
        raise click.UsageError("DATABASE_URL or PG* variables name another server; tipdb does not stop it")
    click.echo("embedded server stopped" if embedded.stop() else "embedded server was not running", err=True)


@main.command()
@click.option("--count", "-n", type=int, help="Apply only this many pending migrations.")
def migrate(count):
    """Apply pending schema migrations."""
    from tipdb import database, migrations

    applied = migrations.apply(database.url(), count)
    click.echo(f"applied: {', '.join(applied)}" if applied else "schema is up to date", err=True)


@main.command()
@click.option("--count", "-n", default=1, show_default=True, help="How many migrations to roll back.")
@click.option("--all", "everything", is_flag=True, help="Roll back every migration.")
def rollback(count, everything):
    """Roll back the most recent migration(s)."""
    from tipdb import database, migrations

    undone = migrations.rollback(database.url(), None if everything else count)
    click.echo(f"rolled back: {', '.join(undone)}" if undone else "nothing to roll back", err=True)


@main.command()
@format_option
def status(fmt):
    """Show migrations, row counts per table and per-year coverage.

    With --format json, one object with the three sections; with csv, the sections one after
    the other and their titles on standard error.
    """
    import json

    from tipdb import database, migrations, output

    url = database.url()
    states = migrations.status(url)
    sections = [("migrations", ["migration", "applied_at"],
                 [(s.migration_id, s.applied_at or "pending") for s in states])]
    if all(s.applied_at for s in states):
        with database.connect(url) as conn:
            tables = conn.execute(
                "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables "
                "WHERE schemaname = 'tip' ORDER BY relname"
            ).fetchall()
            counts = [(t, conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for (t,) in tables]
            sections.append(("rows per table", ["table", "rows"], counts))
            cursor = conn.execute("SELECT * FROM analytics.coverage ORDER BY report_year")
            sections.append(("coverage per report year", [c.name for c in cursor.description], cursor.fetchall()))
    else:
        click.echo("(run `tipdb migrate` to apply pending migrations)", err=True)
    if fmt == "json":
        json.dump({title: [{c: output.plain(v) for c, v in zip(columns, row)} for row in rows]
                   for title, columns, rows in sections}, sys.stdout, indent=2, default=str)
        click.echo()
        return
    for number, (title, columns, rows) in enumerate(sections):
        click.echo(("\n" if number else "") + title.capitalize() + ":", err=fmt != "table")
        output.render(columns, rows, fmt, sys.stdout)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Load files even if their checksums were loaded before.")
def load(paths, force):
    """Validate and load CSV files in the seed formats, all or nothing.

    Each file's kind is recognised from its header (tier placements: report_year,country,tier,source).
    Loading a file that was loaded before changes nothing.
    """
    from tipdb import database, load as loader

    results = loader.load_files(database.url(), list(paths), force=force, progress=_progress())
    _report_loads(results)


@main.command("queries")
@format_option
def list_queries(fmt):
    """List the canned queries and their parameters."""
    from tipdb import output, queries

    rows = [
        (q.name, q.description,
         "; ".join(f"{p.name} ({p.type}{'=' + p.default if p.default else ''})" for p in q.parameters))
        for q in queries.catalog().values()
    ]
    output.render(["name", "description", "parameters"], rows, fmt, sys.stdout)


def _parse_params(items: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="-p")
        params[key.strip()] = value
    return params


@main.command()
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter; repeatable.")
@format_option
def query(name, params, fmt):
    """Run the canned query NAME (see `tipdb queries`)."""
    from tipdb import database, output, queries

    chosen = queries.get(name)
    with database.connect() as conn:
        columns, rows = queries.run(conn, chosen, _parse_params(params))
    output.render(columns, rows, fmt, sys.stdout)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5433, show_default=True, help="TCP port to listen on.")
@click.option("--allow-public", is_flag=True, help="Allow an address other than loopback.")
def serve(host, port, allow_public):
    """Let BI tools connect over TCP as the read-only role tip_reader.

    Makes the embedded server listen on HOST:PORT (loopback unless --allow-public) and prints
    the connection URL. Run again, it restarts nothing unless HOST or PORT changed, so open
    connections stay. Only tip_reader may log in over TCP, with a password kept in
    $TIPDB_HOME/tip_reader.password (see also `tipdb url --reader`). A busy port exits with 69.
    `tipdb down` stops it.
    """
    from tipdb import serve as server

    try:
        served = server.serve(host, port, allow_public)
    except server.ServeRefused as exc:
        raise click.UsageError(str(exc)) from exc
    for note in served.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(served.url)
    state = "listening" if served.restarted else "already listening (not restarted)"
    click.echo(f"{state} on {host}:{port} for tip_reader (read-only, schema analytics)", err=True)


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("docs/DATA_DICTIONARY.md"),
              show_default=True, help="File to write; '-' for standard output.")
def docs(output):
    """Write the data dictionary (Markdown) from the database's comments and the query catalog."""
    from tipdb import database, docs as dictionary

    with database.connect() as conn:
        text = dictionary.data_dictionary(conn)
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@main.command("schema")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("schema/current/schema.sql"),
              show_default=True, help="File to write; '-' for standard output.")
def schema_snapshot(output):
    """Write the whole current schema as SQL: pg_dump of a new database with every migration applied."""
    from tipdb import database, snapshot

    text = snapshot.current_schema(database.url())
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.option("--year", type=int, help="Only this report year.")
@format_option
def check(year, fmt):
    """Check the data against the law and the published figures (the rules: analytics.check_rules).

    Prints each rule as passed, failed (with the rows that break it) or not checkable (nothing published
    to check against). Exit code 65 when an error rule fails; warnings are listed, not fatal.
    Example: tipdb check --year 2010
    """
    from tipdb import check as checks, database, output

    with database.connect() as conn:
        report = checks.run(conn, year)
    if fmt == "table":
        click.echo(checks.text(report))
    else:
        output.render(*checks.rows(report), fmt, sys.stdout)
        click.echo(checks.summary(report), err=True)
    if report.errors:
        sys.exit(EXIT_DATAERR)


@main.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--year", type=int, help="Only this report year.")
@click.option("--country", help="Only findings about this country (any spelling or ISO3).")
@click.option("--category", help="Only this category (state_sponsored, child_soldiers, forced_labor, ...).")
@format_option
def search(words, year, country, category, fmt):
    """Search the findings for WORDS, most relevant first (shortcut for the query search_findings).

    WORDS use web-search syntax: "forced labor" -military OR army.
    """
    from tipdb import database, output, queries

    given = {"words": " ".join(words), "year": year, "country": country, "category": category}
    given = {k: str(v) for k, v in given.items() if v is not None}
    with database.connect() as conn:
        columns, rows = queries.run(conn, queries.get("search_findings"), given)
    output.render(columns, rows, fmt, sys.stdout)


@main.group()
def chart():
    """Draw charts (PNG or SVG, by the output's extension); needs tipdb[charts]."""


output_file = click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
                           help="File to write: .png or .svg.")


@chart.command("history")
@click.argument("countries", nargs=-1, required=True)
@output_file
def chart_history(countries, output):
    """Tier history of one or several COUNTRIES (any spelling or ISO3), side by side."""
    from tipdb import charts, database

    with database.connect() as conn:
        click.echo(f"wrote {charts.history(conn, list(countries), output)}", err=True)


@chart.command("mix")
@click.option("--region", help="Only this region (Africa, America, Asia, Europe, Oceania).")
@click.option("--shares", is_flag=True, help="Shares of each year's placements instead of counts.")
@output_file
def chart_mix(region, shares, output):
    """Tier mix per report year, with incomplete years marked."""
    from tipdb import charts, database

    with database.connect() as conn:
        click.echo(f"wrote {charts.tier_mix(conn, output, region, shares)}", err=True)


@chart.command("transitions")
@click.argument("from_year", type=int)
@click.argument("to_year", type=int)
@output_file
def chart_transitions(from_year, to_year, output):
    """Heat map of the moves between the FROM_YEAR and TO_YEAR reports."""
    from tipdb import charts, database

    with database.connect() as conn:
        click.echo(f"wrote {charts.transitions(conn, from_year, to_year, output)}", err=True)


@main.group()
def export():
    """Export data: views or query results as CSV, JSON Lines or Parquet; everything as a data package."""


export_format = click.option("--format", "-f", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]),
                             help="Default: from the output's extension.")
export_output = click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
                             help="File to write (.csv, .jsonl or .parquet).")


@export.command("view")
@click.argument("name")
@export_output
@export_format
def export_view(name, output, fmt):
    """Export the analytics view NAME (for example rankings)."""
    from tipdb import database, export as exporter

    fmt = exporter.format_for(output, fmt)
    with database.connect() as conn:
        columns, rows = exporter.view_rows(conn, name)
    exporter.write(columns, rows, output, fmt)
    click.echo(f"wrote {len(rows)} rows to {output}", err=True)


@export.command("query")
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter; repeatable.")
@export_output
@export_format
def export_query(name, params, output, fmt):
    """Export the result of the canned query NAME."""
    from tipdb import database, export as exporter

    fmt = exporter.format_for(output, fmt)
    with database.connect() as conn:
        columns, rows = exporter.query_rows(conn, name, _parse_params(params))
    exporter.write(columns, rows, output, fmt)
    click.echo(f"wrote {len(rows)} rows to {output}", err=True)


@export.command("datapackage")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_datapackage(directory):
    """Write every core table as CSV into DIRECTORY, with a Frictionless datapackage.json."""
    from tipdb import database, datapackage

    with database.connect() as conn:
        click.echo(f"wrote {datapackage.export_package(conn, directory)}", err=True)


@main.group()
def seeds():
    """Work on the seed files in seeds/."""


@seeds.command("refresh")
@click.argument("source_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def seeds_refresh(source_dir):
    """Check, then copy CSV files of known kinds from SOURCE_DIR into seeds/ and rebuild countries.csv.

    Every incoming file is checked with the seeds it joins, as `tipdb load` would, before
    anything in seeds/ changes. Regions come from country_converter (pip install 'tipdb[regions]').

    Example: tipdb seeds refresh ../shared/data/tip
    """
    from tipdb import database, migrations, refresh

    url = database.url()
    migrations.apply(url)
    for line in refresh.refresh(url, source_dir):
        click.echo(line, err=True)


@seeds.command("datapackage")
def seeds_datapackage():
    """Rewrite seeds/datapackage.json, the Frictionless descriptor of the seed files."""
    from tipdb import database, datapackage
    from tipdb.paths import seeds_dir

    with database.connect() as conn:
        click.echo(f"wrote {datapackage.write_seeds_descriptor(conn, seeds_dir())}", err=True)
