"""Taking new or corrected files from a folder of sourced data (such as shared/data/tip) into seeds/.

Nothing in seeds/ changes unless every incoming file, together with the seeds it joins, passes
the checks `tipdb load` makes: all of them are loaded into a scratch database (migrated, then
dropped), so neither the user's own data nor anything else in their database can hide a problem.
Only regular files are taken, never links. Data rows are copied byte for byte; a compiled file
whose header is another kind's (tier_conflicts.csv) gets its own kind's header, so that loading
can go by header alone. countries.csv and country_patterns.csv are made here, from
country_names.csv, country_converter, and countries given with their own sourced region.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tipdb import kinds, load, migrations, regions, validate
from tipdb.errors import ConnectionProblem, InputProblem, TipdbError
from tipdb.paths import seeds_dir

COUNTRIES_FILE = "countries.csv"
PATTERNS_FILE = "country_patterns.csv"
COUNTRIES = kinds.BY_NAME["countries"]


class RefreshRefused(TipdbError):
    """The seeds cannot be refreshed here (an installed package, not a checkout)."""


def _incoming(source_dir: Path) -> Iterator[tuple[Path, kinds.Kind | None, str]]:
    """(file, kind or None for notes, why skipped or '') for every regular CSV and Markdown file."""
    for path in sorted(source_dir.iterdir()):
        if path.suffix not in (".csv", ".md") or path.name in (COUNTRIES_FILE, PATTERNS_FILE):
            continue
        if path.is_symlink() or not path.is_file():
            yield path, None, "not a regular file (links are not followed)"
            continue
        if path.suffix == ".md":
            yield path, None, ""
            continue
        try:
            kind = validate.detect_kind(path)
        except InputProblem as exc:
            yield path, None, exc.problems[0].message
            continue
        compiled = next((k for k in kinds.KINDS if (path.name, kind.name) in k.compiled_files), None)
        yield path, compiled or kind, ""


def _copy(path: Path, kind: kinds.Kind, destination: Path) -> None:
    """Copy a file; a compiled file of a kind that shares another's header gets its kind's header."""
    if kind.header == validate.detect_kind(path).header:
        shutil.copyfile(path, destination)
        return
    with path.open("rb") as source, destination.open("wb") as target:
        source.readline()
        target.write((",".join(kind.header) + "\n").encode())
        shutil.copyfileobj(source, target)


def _given_countries(paths: list[Path], seeds: Path) -> list[dict[str, str]]:
    """Countries with their own sourced region: from the incoming countries files, checked as `tipdb load`
    checks values, and those of the current countries.csv that country_converter did not classify."""
    rows, problems = {}, []
    current = seeds / COUNTRIES_FILE
    if current.exists():
        for row in regions.read_countries(current):
            if not row["source"].startswith("country_converter"):
                rows[row["iso3"]] = row
    for path in paths:
        collector = validate.Collector(validate.display_name(path))
        for _, *values in validate.read_rows(path, COUNTRIES, collector):
            rows[values[0]] = dict(zip(COUNTRIES.header, values))
        problems.extend(collector.problems)
    if problems:
        raise InputProblem(problems)
    return list(rows.values())


@contextlib.contextmanager
def _scratch_database(url: str) -> Iterator[str]:
    """A new database on the same server, migrated, dropped afterwards."""
    name = f"tipdb_refresh_{os.getpid()}"
    try:
        admin = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise ConnectionProblem(f"cannot connect to check the seeds: {exc}") from exc
    with admin:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise ConnectionProblem(f"checking the seeds needs a scratch database, which could not be created "
                                    f"({exc.diag.message_primary}); use a role with CREATEDB") from exc
        try:
            scratch = make_conninfo(url, dbname=name)
            migrations.apply(scratch)
            yield scratch
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _check(url: str, candidate: Path, shown: dict[str, Path]) -> None:
    """Load every candidate seed into a scratch database; problems name the files the user has."""
    with _scratch_database(url) as scratch:
        try:
            load.load_files(scratch, sorted(candidate.glob("*.csv")), dry_run=True)
        except InputProblem as exc:
            def named(problem):
                name = Path(problem.file).name
                return dataclasses.replace(problem, file=str(shown.get(name, candidate.parent / name)))
            raise InputProblem([named(p) for p in exc.problems]) from None


def refresh(url: str, source_dir: Path, target_dir: Path | None = None) -> Iterator[str]:
    """Check, then copy recognised files and their notes; yield one line per file saying what happened."""
    target_dir = target_dir or seeds_dir()
    if not (target_dir.parent / "pyproject.toml").exists() and target_dir == seeds_dir():
        raise RefreshRefused(
            f"{target_dir} belongs to the installed tipdb package; refresh the seeds in a clone "
            "installed with `pip install -e .`, or load your own files with `tipdb load FILE...`")
    taken, lines = [], []
    for path, kind, skipped in _incoming(source_dir):
        if skipped:
            lines.append(f"skipped {path.name}: {skipped}")
        else:
            taken.append((path, kind))
    # Countries given with their own sourced region (withdrawn codes, which country_converter does not
    # classify) join the classified ones in the one countries.csv that the other files refer to.
    given_files = [path for path, kind in taken if kind is COUNTRIES]
    given = _given_countries(given_files, target_dir)
    lines += [f"merged {path.name} into {COUNTRIES_FILE}" for path in given_files]
    taken = [(path, kind) for path, kind in taken if kind is not COUNTRIES]
    with tempfile.TemporaryDirectory(prefix="tipdb-refresh-") as work:
        candidate = Path(work) / "seeds"
        candidate.mkdir()
        for existing in target_dir.glob("*.csv"):
            shutil.copyfile(existing, candidate / existing.name)
        for path, kind in taken:
            if kind is not None:
                _copy(path, kind, candidate / path.name)
        rows = regions.countries_rows(candidate / "country_names.csv", given)
        regions.write_csv(candidate / COUNTRIES_FILE, regions.COUNTRY_COLUMNS, rows)
        unused = sorted({row["iso3"] for row in given} - {row["iso3"] for row in rows})
        lines += [f"ignored the given country {code}: no spelling in country_names.csv names it" for code in unused]
        regions.write_patterns({row["iso3"] for row in rows}, candidate / PATTERNS_FILE)
        _check(url, candidate, {path.name: path for path, _ in taken})
        for path in [*(p for p, _ in taken), candidate / COUNTRIES_FILE, candidate / PATTERNS_FILE]:
            source = candidate / path.name if path.suffix == ".csv" else path
            destination = target_dir / path.name
            if destination.exists() and destination.read_bytes() == source.read_bytes():
                lines.append(f"unchanged {path.name}")
                continue
            lines.append(f"{'updated' if destination.exists() else 'added'} {path.name}")
            shutil.copyfile(source, destination)
    classified = sum(row["source"].startswith("country_converter") for row in rows)
    yield from lines
    yield f"{COUNTRIES_FILE}: {len(rows)} countries, {classified} with regions from country_converter"
