"""The `tipdb` command line. Every command parses its arguments, calls one core function and renders
the answer; nothing here runs SQL of its own.

- Output: one registry of formats (`tipdb.output.FORMATS`: table, csv, json, jsonl, parquet) behind one
  `output_options` decorator, for standard output and files alike, streamed from the server.
- Failures: `_Group.main` is the only place that catches; `tipdb.errors.explain` turns any exception
  into a message and an exit code (README.md "Exit codes"). `--debug` or TIPDB_DEBUG=1 adds the traceback.

Imports are deferred into the commands: `tipdb query` starts about as fast as `import psycopg`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tipdb import errors

FORMAT_NAMES = ("table", "csv", "json", "jsonl", "parquet")
CSV_CONVENTION = "CSV writes booleans as true/false and NULL as an empty field."
_progress_shown = False


def _color() -> bool | None:
    """No colour when NO_COLOR is set (https://no-color.org); otherwise click decides (terminals only)."""
    return False if os.environ.get("NO_COLOR") else None


def _say(message: str, **style) -> None:
    """A status line on standard error."""
    click.secho(message, err=True, color=_color(), **style)


def _clear_progress() -> None:
    global _progress_shown
    if _progress_shown:
        click.echo("\r\033[K", nl=False, err=True, color=True)  # a control sequence, not colour
        _progress_shown = False


def _debugging(args) -> bool:
    return bool(os.environ.get("TIPDB_DEBUG")) or "--debug" in (sys.argv[1:] if args is None else list(args))


def _fail(exc: BaseException, debug: bool) -> None:
    """Report `exc` as its message and exit code; the traceback only with --debug."""
    _clear_progress()
    explanation = errors.explain(exc)
    _settle_stdout()
    if explanation.code == errors.EXIT_BROKEN_PIPE:
        sys.exit(explanation.code)
    if debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    _say(f"error: {explanation.message}", fg="red")
    for line in explanation.details:
        _say(line)
    sys.exit(explanation.code)


def _settle_stdout() -> None:
    """Flush standard output; if it cannot take more (closed pipe, full disk), point it at /dev/null so
    that the interpreter's own flush at exit cannot fail a second time."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass


def _safe_streams() -> None:
    """Never fail on printing a file name: stderr shows undecodable bytes as \\xNN, stdout passes them on."""
    for stream, handling in ((sys.stderr, "backslashreplace"), (sys.stdout, "surrogateescape")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors=handling)
            except (ValueError, OSError):
                pass


class _PassedOn(Exception):
    """Carries an OSError past click, which would turn a broken pipe into a bare exit 1."""


class _Group(click.Group):
    """The one place where failures end: each becomes a message and a documented exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OSError as exc:
            raise _PassedOn() from exc

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        debug = _debugging(args)
        _safe_streams()
        try:
            value = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not in the interpreter's exit
        except click.ClickException as exc:
            _clear_progress()
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            if isinstance(exc.__cause__, KeyboardInterrupt):
                _fail(exc.__cause__, debug)
            _say("aborted: nothing was changed")
            sys.exit(errors.EXIT_FAILED)
        except SystemExit:
            raise
        except _PassedOn as exc:
            _fail(exc.__cause__, debug)
        except BaseException as exc:  # noqa: BLE001 - this is the one place that must catch everything
            _fail(exc, debug)
        sys.exit(value if isinstance(value, int) else 0)


def _examples(*lines: str) -> str:
    """An Examples paragraph for --help, kept as written."""
    return "\n\n\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def helped(*examples: str):
    """Append examples to a command's docstring (its --help)."""
    def decorate(function):
        import inspect

        function.__doc__ = inspect.cleandoc(function.__doc__ or "") + _examples(*examples)
        return function

    return decorate


def output_options(default: str = "table", formats: tuple[str, ...] = FORMAT_NAMES):
    """--format and --output for every command that prints rows, as in sqlite-utils."""
    def decorate(function):
        function = click.option(
            "--output", "-o", default="-", show_default=True, metavar="FILE",
            type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
            help="File to write, or - for standard output. A file appears only when complete.",
        )(function)
        function = click.option(
            "--format", "-f", "fmt", type=click.Choice(formats), default=None,
            help=f"Output format; default: from the file's extension, else {default}. {CSV_CONVENTION}",
        )(function)
        return function

    return decorate


def render(result, fmt: str | None, output: Path, default: str = "table") -> None:
    """Write a result as asked: to standard output, or atomically to a file (then say so on stderr)."""
    from tipdb import output as out

    chosen = out.choose_format(output, fmt, default)
    options = {}
    if chosen == "table" and out.is_stdout(output) and _terminal(sys.stdout):
        import shutil

        options["width"] = shutil.get_terminal_size().columns
    count = out.emit(result, chosen, output, **options)
    if not out.is_stdout(output):
        _say(f"wrote {out.count_of(count, 'row')} to {out.display_path(output)}")


def _terminal(stream) -> bool:
    """Whether a person is at `stream` (a function, so that tests can pretend)."""
    return stream.isatty()


def _progress():
    """A one-line progress display on a terminal; silence in pipes and CI logs."""
    if not _terminal(sys.stderr):
        return None

    def show(path: Path, rows: int) -> None:
        global _progress_shown
        _progress_shown = True
        click.echo(f"\r\033[K  loading {errors.safe_text(path.name)}: {rows} rows", nl=False, err=True, color=True)

    return show


def _report_loads(results) -> None:
    from tipdb.output import count_of

    _clear_progress()
    for r in results:
        name = errors.safe_text(r.path.name)
        if r.same_as:
            _say(f"  {name}: the same bytes as {errors.safe_text(Path(r.same_as).name)}, loaded once")
        elif r.skipped:
            _say(f"  {name}: already loaded (same checksum), skipped")
        else:
            _say(f"  {name}: {count_of(r.rows, 'row')} as {r.kind}: {r.inserted} inserted, {r.updated} updated")


def _parse_params(items: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="-p")
        if key.strip() in params:
            raise click.BadParameter(f"{key.strip()!r} is given twice; give each parameter once", param_hint="-p")
        params[key.strip()] = value
    return params


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tipdb")
@click.option("--debug", is_flag=True, envvar="TIPDB_DEBUG", help="Show the traceback of a failure (also TIPDB_DEBUG=1).")
@helped("tipdb up", "tipdb query tier_members -p year=2019", "tipdb export view rankings -o rankings.parquet")
def main(debug):
    """tipdb: the U.S. TIP Report's tier placements as a PostgreSQL database.

    With no DATABASE_URL (or PG* variables) tipdb starts and uses a private PostgreSQL
    server kept in $TIPDB_HOME (default: your user data directory). Exit codes: see the README.
    """


def _import_for_up() -> None:
    """What `tipdb up` needs after the server starts: the loader, the migrations and yoyo (with psycopg)."""
    import yoyo.backends.core.postgresql  # noqa: F401

    from tipdb import load, migrations  # noqa: F401


@main.command()
@click.option("--force", is_flag=True, help="Reload seed files even if their checksums were loaded before.")
@helped("tipdb up", "tipdb up --force")
def up(force):
    """Start or reach the database, apply migrations and load the seeds. Safe to repeat."""
    from tipdb import database
    from tipdb.output import count_of

    url = database.url(meanwhile=_import_for_up, setup=True)  # imported while initdb or the server start runs
    from tipdb import load, migrations

    applied = migrations.apply(url)
    if applied:
        _say(f"applied {count_of(len(applied), 'migration')}: {', '.join(applied)}")
    results = load.load_seeds(url, force=force, progress=_progress())
    changed = [r for r in results if not r.skipped]
    if changed:
        _report_loads(changed)
    unchanged = sum(r.skipped for r in results)
    summary = [f"{count_of(len(applied), 'migration')} applied",
               f"{count_of(sum(r.inserted for r in results), 'row')} inserted",
               f"{sum(r.updated for r in results)} updated"]
    if unchanged:
        summary.append(f"{unchanged} of {count_of(len(results), 'seed file')} unchanged")
    _say("tipdb is up: " + ", ".join(summary))


@main.command()
@click.option("--reader", is_flag=True, help="The read-only tip_reader's URL over TCP (after `tipdb serve`).")
@helped('psql "$(tipdb url)"', "tipdb url --reader")
def url(reader):
    """Print the connection URL, for psql or a BI tool."""
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
@helped("tipdb down")
def down():
    """Stop the embedded server (its data stays in $TIPDB_HOME)."""
    from tipdb import database, embedded

    if not database.is_embedded():
        raise click.UsageError("DATABASE_URL or PG* variables name another server; tipdb does not stop it")
    _say("embedded server stopped" if embedded.stop() else "embedded server was not running")


@main.command()
@click.option("--count", "-n", type=click.IntRange(min=1), help="Apply only this many pending migrations.")
@helped("tipdb migrate", "tipdb migrate -n 1")
def migrate(count):
    """Apply pending schema migrations."""
    from tipdb import database, migrations

    applied = migrations.apply(database.url(), count)
    _say(f"applied: {', '.join(applied)}" if applied else "schema is up to date")


@main.command()
@click.option("--count", "-n", default=1, show_default=True, type=click.IntRange(min=1),
              help="How many migrations to roll back.")
@click.option("--all", "everything", is_flag=True, help="Roll back every migration: drops every table and row.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before --all (needed without a terminal).")
@helped("tipdb rollback", "tipdb rollback -n 2", "tipdb rollback --all --yes")
def rollback(count, everything, yes):
    """Roll back the most recent migration(s)."""
    from tipdb import database, migrations

    if everything and not yes:
        if not _terminal(sys.stdin):
            raise click.UsageError("--all drops every table and every loaded row, user-loaded years included; "
                                   "add --yes to confirm without a terminal")
        click.confirm("Drop every tipdb table and every loaded row, user-loaded years included?", abort=True,
                      err=True)
    undone = migrations.rollback(database.url(), None if everything else count)
    _say(f"rolled back: {', '.join(undone)}" if undone else "nothing to roll back")


@main.command()
@output_options(formats=("table", "csv", "json"))
@helped("tipdb status", "tipdb status -f json")
def status(fmt, output):
    """Show migrations, row counts per table and per-year coverage.

    With --format json, one object with the three sections; with csv, the sections one after
    the other and their titles on standard error.
    """
    from tipdb import database, status as report
    from tipdb import output as out

    chosen = out.choose_format(output, fmt)
    with database.connect() as conn:
        sections, complete = report.sections(conn, database.url())
        if not complete:
            _say("(run `tipdb migrate` to apply pending migrations)")
        if chosen == "json":
            import json

            document = {s.title: [{c: out.plain(v) for c, v in zip(s.result.names, row)} for row in s.result.rows]
                        for s in sections}
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            if out.is_stdout(output):
                click.echo(text, nl=False)
            else:
                with out.atomic_file(output, binary=False) as handle:
                    handle.write(text)
            return
        for number, section in enumerate(sections):
            title = ("\n" if number else "") + section.title.capitalize() + ":"
            click.echo(title, err=chosen != "table")
            render(section.result, chosen, "-")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Load files even if their checksums were loaded before.")
@helped("tipdb load my/tier_placements_2026.csv", "tipdb load a.csv b.csv --force")
def load(paths, force):
    """Validate and load CSV files in the seed formats, all or nothing.

    Each file's kind is recognised from its header (tier placements: report_year,country,tier,source).
    Loading a file that was loaded before changes nothing.
    """
    from tipdb import database, load as loader

    results = loader.load_files(database.url(), list(paths), force=force, progress=_progress())
    _report_loads(results)


@main.command("queries")
@output_options()
@helped("tipdb queries", "tipdb queries -f json")
def list_queries(fmt, output):
    """List the canned queries and their parameters."""
    from tipdb import queries
    from tipdb.output import Column, Result

    def parameters(query):
        return "; ".join(f"{p.name} ({p.type}{'=' + p.default if p.default else ''})" for p in query.parameters)

    rows = ((q.name, q.description, parameters(q)) for q in queries.catalog().values())
    render(Result([Column("name"), Column("description"), Column("parameters")], rows), fmt, output)


@main.command()
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter; repeatable.")
@output_options()
@helped("tipdb query tier_members -p tier=3 -p year=2019",
        "tipdb query country_history -p country=Burma -f csv -o burma.csv")
def query(name, params, fmt, output):
    """Run the canned query NAME (see `tipdb queries`)."""
    from tipdb import database, queries

    given = _parse_params(params)
    with database.connect() as conn:
        render(queries.result(conn, name, given), fmt, output)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5433, show_default=True, help="TCP port to listen on.")
@click.option("--allow-public", is_flag=True, help="Allow an address other than loopback.")
@helped("tipdb serve", "tipdb serve --port 6543")
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
        _say(f"note: {note}")
    click.echo(served.url)
    state = "listening" if served.restarted else "already listening (not restarted)"
    _say(f"{state} on {host}:{port} for tip_reader (read-only, schema analytics)")


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              default=Path("docs/DATA_DICTIONARY.md"), show_default=True, help="File to write; '-' for standard output.")
@helped("tipdb docs", "tipdb docs -o - | less")
def docs(output):
    """Write the data dictionary (Markdown) from the database's comments and the query catalog."""
    from tipdb import database, docs as dictionary

    with database.connect() as conn:
        _write_text(output, dictionary.data_dictionary(conn))


@main.command("schema")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              default=Path("schema/current/schema.sql"), show_default=True,
              help="File to write; '-' for standard output.")
@helped("tipdb schema", "tipdb schema -o - | less")
def schema_snapshot(output):
    """Write the whole current schema as SQL: pg_dump of a new database with every migration applied."""
    from tipdb import database, snapshot

    _write_text(output, snapshot.current_schema(database.url()))


def _write_text(output: Path, text: str) -> None:
    """Text to standard output ('-') or, whole or not at all, to a file."""
    from tipdb import output as out

    if out.is_stdout(output):
        click.echo(text, nl=False)
        return
    with out.atomic_file(output, binary=False) as handle:
        handle.write(text)
    _say(f"wrote {out.display_path(output)}")


@main.command()
@click.option("--year", type=int, help="Only this report year.")
@output_options(formats=("table", "csv", "json"))
@helped("tipdb check", "tipdb check --year 2010", "tipdb check --format json -o checks.json")
def check(year, fmt, output):
    """Check the data against the law and the published figures (the rules: analytics.check_rules).

    Prints each rule as passed, failed (with the rows that break it) or not checkable (nothing published
    to check against). Exit code 65 when an error rule fails; warnings are listed, not fatal.
    """
    from tipdb import check as checks, database, output as out

    with database.connect() as conn:
        report = checks.run(conn, year)
    if out.choose_format(output, fmt, "table") == "table" and out.is_stdout(output):
        click.echo(checks.text(report))
    else:
        columns, rows = checks.rows(report)
        render(out.Result([out.Column(c) for c in columns], rows), fmt, output)
        _say(checks.summary(report))
    if report.errors:
        sys.exit(errors.EXIT_DATAERR)


@main.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--year", type=int, help="Only this report year.")
@click.option("--country", help="Only findings about this country (any spelling or ISO3).")
@click.option("--category", help="Only this category (state_sponsored, child_soldiers, forced_labor, ...).")
@output_options()
@helped('tipdb search "forced labor" military', "tipdb search recruitment --country Burma --year 2020 -f json")
def search(words, year, country, category, fmt, output):
    """Search the findings for WORDS, most relevant first (shortcut for the query search_findings).

    WORDS use web-search syntax: "forced labor" -military OR army.
    """
    from tipdb import database, queries

    given = {"words": " ".join(words), "year": year, "country": country, "category": category}
    given = {k: str(v) for k, v in given.items() if v is not None}
    with database.connect() as conn:
        render(queries.result(conn, "search_findings", given), fmt, output)


@main.group()
@helped("tipdb chart mix -o mix.svg")
def chart():
    """Draw charts (PNG or SVG, by the output's extension); needs tipdb[charts]."""


CHART_EXTENSIONS = (".png", ".svg")


def _chart_file(ctx, param, value: Path) -> Path:
    if value.suffix.lower() not in CHART_EXTENSIONS:
        raise click.BadParameter(f"{errors.safe_text(str(value))}: charts are written as "
                                 f"{' or '.join(CHART_EXTENSIONS)}")
    return value


output_file = click.option("--output", "-o", required=True, callback=_chart_file,
                           type=click.Path(dir_okay=False, path_type=Path), help="File to write: .png or .svg.")


@chart.command("history")
@click.argument("countries", nargs=-1, required=True)
@output_file
@helped("tipdb chart history Namibia Burma -o history.svg")
def chart_history(countries, output):
    """Tier history of one or several COUNTRIES (any spelling or ISO3), side by side."""
    from tipdb import charts, database

    with database.connect() as conn:
        _say(f"wrote {charts.history(conn, list(countries), output)}")


@chart.command("mix")
@click.option("--region", help="Only this region (Africa, America, Asia, Europe, Oceania).")
@click.option("--shares", is_flag=True, help="Shares of each year's placements instead of counts.")
@output_file
@helped("tipdb chart mix -o mix.svg", "tipdb chart mix --region Africa --shares -o africa.png")
def chart_mix(region, shares, output):
    """Tier mix per report year, with incomplete years marked."""
    from tipdb import charts, database

    with database.connect() as conn:
        _say(f"wrote {charts.tier_mix(conn, output, region, shares)}")


@chart.command("transitions")
@click.argument("from_year", type=int)
@click.argument("to_year", type=int)
@output_file
@helped("tipdb chart transitions 2019 2020 -o moves.png")
def chart_transitions(from_year, to_year, output):
    """Heat map of the moves between the FROM_YEAR and TO_YEAR reports."""
    from tipdb import charts, database

    with database.connect() as conn:
        _say(f"wrote {charts.transitions(conn, from_year, to_year, output)}")


@main.group()
@helped("tipdb export view rankings -o rankings.parquet", "tipdb export datapackage out/")
def export():
    """Export data: views or query results as CSV, JSON, JSON Lines or Parquet; everything as a data package.

    Parquet files keep the database's types and column comments; rows are sorted by the view's key.
    """


@export.command("view")
@click.argument("name")
@output_options(default="csv")
@helped("tipdb export view rankings -o rankings.parquet", "tipdb export view tier_counts -o - | head")
def export_view(name, fmt, output):
    """Export the analytics view NAME (for example rankings), sorted by its key."""
    from tipdb import catalog, database

    with database.connect() as conn:
        render(catalog.view_result(conn, name), fmt, output, default="csv")


@export.command("query")
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter; repeatable.")
@output_options(default="csv")
@helped("tipdb export query country_history -p country=NAM -o namibia.parquet")
def export_query(name, params, fmt, output):
    """Export the result of the canned query NAME."""
    from tipdb import database, queries

    given = _parse_params(params)
    with database.connect() as conn:
        render(queries.result(conn, name, given), fmt, output, default="csv")


@export.command("datapackage")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@helped("tipdb export datapackage tipdb-data/")
def export_datapackage(directory):
    """Write every core table as CSV into DIRECTORY, with a Frictionless datapackage.json.

    The package states its licence, version and creation time. DIRECTORY must not exist or be empty;
    it appears only when complete.
    """
    from tipdb import database, datapackage
    from tipdb.output import display_path

    with database.connect() as conn:
        _say(f"wrote {display_path(datapackage.export_package(conn, directory))}")


@main.group()
@helped("tipdb seeds datapackage")
def seeds():
    """Work on the seed files in seeds/."""


@seeds.command("refresh")
@click.argument("source_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@helped("tipdb seeds refresh ../shared/data/tip")
def seeds_refresh(source_dir):
    """Check, then copy CSV files of known kinds from SOURCE_DIR into seeds/ and rebuild countries.csv.

    Every incoming file is checked with the seeds it joins, as `tipdb load` would, before
    anything in seeds/ changes. Regions come from country_converter (pip install 'tipdb[regions]').
    """
    from tipdb import database, migrations, refresh

    url = database.url()
    migrations.apply(url)
    for line in refresh.refresh(url, source_dir):
        _say(line)


@seeds.command("datapackage")
@helped("tipdb seeds datapackage")
def seeds_datapackage():
    """Rewrite seeds/datapackage.json, the Frictionless descriptor of the seed files."""
    from tipdb import database, datapackage
    from tipdb.paths import seeds_dir

    with database.connect() as conn:
        _say(f"wrote {datapackage.write_seeds_descriptor(conn, seeds_dir())}")
