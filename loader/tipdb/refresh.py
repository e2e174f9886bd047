"""Taking new or corrected files from a folder of sourced data (such as shared/data/tip) into seeds/.

Nothing in seeds/ changes unless every incoming file, together with the seeds it joins, passes
the checks `tipdb load` makes (a load into the database that is rolled back). Only regular
files are taken, never links. Data rows are copied byte for byte; a compiled file whose header
is another kind's (tier_conflicts.csv) gets its own kind's header, so that loading can go by
header alone. countries.csv is made here, from country_names.csv and country_converter's regions.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tipdb import kinds, load, regions, validate
from tipdb.errors import InputProblem, TipdbError
from tipdb.paths import seeds_dir

COUNTRIES_FILE = "countries.csv"
PATTERNS_FILE = "country_patterns.csv"


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
        compiled = next((k for k in kinds.KINDS if path.name in k.compiled_files), None)
        try:
            kind = validate.detect_kind(path)
        except InputProblem as exc:
            yield path, None, exc.problems[0].message
            continue
        yield path, compiled or kind, ""


def _copy(path: Path, kind: kinds.Kind | None, destination: Path) -> None:
    """Copy a file; a compiled file of a kind that shares another's header gets its kind's header."""
    if kind is None or kind.header == validate.detect_kind(path).header:
        shutil.copyfile(path, destination)
        return
    with path.open("rb") as source, destination.open("wb") as target:
        source.readline()
        target.write((",".join(kind.header) + "\n").encode())
        shutil.copyfileobj(source, target)


def refresh(url: str, source_dir: Path, target_dir: Path | None = None) -> Iterator[str]:
    """Validate, then copy recognised files and their notes; yield one line per file saying what happened."""
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
    given = [row for path, kind in taken if kind is kinds.BY_NAME["countries"] for row in regions.read_countries(path)]
    lines += [f"merged {path.name} into {COUNTRIES_FILE}" for path, kind in taken if kind is kinds.BY_NAME["countries"]]
    taken = [(path, kind) for path, kind in taken if kind is not kinds.BY_NAME["countries"]]
    with tempfile.TemporaryDirectory(prefix="tipdb-refresh-") as work:
        candidate = Path(work)
        for existing in target_dir.glob("*.csv"):
            shutil.copyfile(existing, candidate / existing.name)
        for path, kind in taken:
            _copy(path, kind, candidate / path.name)
        count = regions.write_countries(candidate / "country_names.csv", candidate / COUNTRIES_FILE, given)
        regions.write_patterns({row["iso3"] for row in regions.read_countries(candidate / COUNTRIES_FILE)},
                               candidate / PATTERNS_FILE)
        load.load_files(url, sorted(candidate.glob("*.csv")), force=True, dry_run=True)
        for path, kind in [*taken, (candidate / COUNTRIES_FILE, None), (candidate / PATTERNS_FILE, None)]:
            source = candidate / path.name if path.suffix == ".csv" else path
            destination = target_dir / path.name
            if destination.exists() and destination.read_bytes() == source.read_bytes():
                lines.append(f"unchanged {path.name}")
                continue
            lines.append(f"{'updated' if destination.exists() else 'added'} {path.name}"
                         + (f" ({kind.name})" if kind else ""))
            shutil.copyfile(source, destination)
    yield from lines
    yield (f"{COUNTRIES_FILE}: {count} countries, {count - len(given)} with regions from country_converter, "
           f"{len(given)} from the files given")

