"""Taking new or corrected files from a folder of sourced data (such as shared/data/tip) into seeds/.

Files are copied byte for byte, so each seed stays identical to what its compilers published;
only countries.csv is made here, from country_names.csv and country_converter's regions.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from tipdb import regions, validate
from tipdb.errors import InputProblem
from tipdb.paths import seeds_dir

COUNTRIES_FILE = "countries.csv"


def refresh(source_dir: Path, target_dir: Path | None = None) -> Iterator[str]:
    """Copy recognised CSV files and their notes (*.md); yield one line per file saying what happened."""
    target_dir = target_dir or seeds_dir()
    for path in sorted(source_dir.glob("*.csv")) + sorted(source_dir.glob("*.md")):
        if path.suffix == ".csv":
            try:
                kind = validate.detect_kind(path).name
            except InputProblem as exc:
                yield f"skipped {path.name}: {exc.problems[0].message}"
                continue
        else:
            kind = "notes"
        destination = target_dir / path.name
        if destination.exists() and destination.read_bytes() == path.read_bytes():
            yield f"unchanged {path.name} ({kind})"
            continue
        state = "updated" if destination.exists() else "added"
        shutil.copyfile(path, destination)
        yield f"{state} {path.name} ({kind})"
    count = regions.write_countries(target_dir / "country_names.csv", target_dir / COUNTRIES_FILE)
    yield f"wrote {COUNTRIES_FILE}: {count} countries with regions from country_converter"
