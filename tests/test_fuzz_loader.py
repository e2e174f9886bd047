"""Property: every corrupted variant of a real seed file is refused, located, and changes nothing.

Hypothesis takes a slice of a real seed file and applies one corruption that makes it invalid
(unknown value, broken encoding, wrong shape, duplicate key, ...). Runs are derandomized so CI is
repeatable; raise FUZZ_EXAMPLES for a longer hunt.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tipdb import kinds, load, validate
from tipdb.errors import InputProblem

from helpers import table_checksums

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))
SEEDS = {path: path.read_bytes().decode("utf-8").splitlines(keepends=True) for path in load.seed_files()}
KINDS = {path: validate.detect_kind(path) for path in SEEDS}
JUNK = st.text(alphabet="abcdefghijklmnopqrstuvwxyzXQZ#@!?", min_size=1, max_size=12).map(lambda s: "Zq" + s)


def _cells(line: str) -> list[str]:
    import csv

    return next(csv.reader([line]))


def _row(cells: list[str]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _columns(kind, *types):
    return [i for i, c in enumerate(kind.columns) if c.type in types]


@st.composite
def corrupted_seed(draw):
    path = draw(st.sampled_from(sorted(SEEDS)))
    kind = KINDS[path]
    lines = SEEDS[path]
    start = draw(st.integers(1, len(lines) - 1))
    body = lines[start : start + draw(st.integers(1, 20))]
    header = lines[0]
    rows = [_cells(line) for line in body]
    target = draw(st.integers(0, len(rows) - 1))
    options = ["bad_utf8", "nul", "fewer_fields", "extra_field", "duplicate_row", "header_rename", "header_only",
               "semicolons", "blank_required"]
    years = [i for i in _columns(kind, kinds.YEAR, kinds.NEW_YEAR) if kind.columns[i].required]
    if years:
        options.append("bad_year")
    if _columns(kind, kinds.COUNTRY, kinds.COUNTRY_OR_ALL):
        options.append("unknown_country")
    if _columns(kind, kinds.TIER):
        options.append("unknown_tier")
    if _columns(kind, kinds.WHOLE_NUMBER):
        options.append("negative_number")
    how = draw(st.sampled_from(options))
    row = rows[target]
    if how == "unknown_country":
        row[draw(st.sampled_from(_columns(kind, kinds.COUNTRY, kinds.COUNTRY_OR_ALL)))] = draw(JUNK)
    elif how == "unknown_tier":
        row[_columns(kind, kinds.TIER)[0]] = draw(st.sampled_from(["4", "Tier 5", "2 WL", "special", "0"]))
    elif how == "negative_number":
        row[draw(st.sampled_from(_columns(kind, kinds.WHOLE_NUMBER)))] = str(-draw(st.integers(1, 10**6)))
    elif how == "blank_required":
        row[draw(st.sampled_from([i for i, c in enumerate(kind.columns) if c.required]))] = " "
    elif how == "bad_year":
        row[draw(st.sampled_from(years))] = draw(st.sampled_from(["1999", "20x5", "3000", "2020.5"]))
    elif how == "fewer_fields":
        del row[draw(st.integers(0, len(row) - 1))]
    elif how == "extra_field":
        row.insert(draw(st.integers(0, len(row))), draw(JUNK))
    text = header + "".join(_row(r) for r in rows)
    if how == "duplicate_row":
        text = header + "".join(_row(r) for r in rows) + _row(rows[target])
    elif how == "header_rename":
        names = _cells(header)
        names[draw(st.integers(0, len(names) - 1))] += draw(JUNK)
        text = _row(names) + "".join(_row(r) for r in rows)
    elif how == "header_only":
        text = header
    elif how == "semicolons":
        text = text.replace(",", ";")
    data = text.encode("utf-8")
    if how in ("bad_utf8", "nul"):
        at = draw(st.integers(len(header.encode()), len(data) - 1))
        data = data[:at] + (b"\xff\xfe" if how == "bad_utf8" else b"\x00") + data[at:]
    return path.name, how, data


def test_corrupted_seed_files_are_refused_and_change_nothing(db, db_url, tmp_path):
    before = table_checksums(db)
    runs = db.execute("SELECT count(*) FROM tip.load_run").fetchone()
    db.rollback()
    tried = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(corrupted_seed())
    def refused(variant):
        name, how, data = variant
        path = tmp_path / name  # keep the seed's name: it decides the kind where headers are shared
        path.write_bytes(data)
        try:
            load.load_files(db_url, [path])
        except InputProblem as exc:
            assert exc.problems and all(p.file == str(path) and p.line for p in exc.problems), exc.problems
        else:
            raise AssertionError(f"{how} variant of {name} was accepted:\n{data[:500]!r}")
        assert db.execute("SELECT count(*) FROM tip.load_run").fetchone() == runs
        db.rollback()
        tried.append(how)

    refused()
    assert len(tried) >= EXAMPLES
    assert table_checksums(db) == before
