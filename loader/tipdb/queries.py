"""The catalog of canned queries: one `.sql` file each in `queries/`, described by its header.

Header lines, before the SQL:

    -- name: tier_members
    -- description: Countries on a given tier in a given report year.
    -- grain: one row per country
    -- param: tier text = 3 | tier code: 1, 2, 2WL, 3 or special_case
    -- param: year integer | report year (default: the latest report)
    -- param: direction text {upgrade, downgrade} | upgrade or downgrade (default: both)

A parameter's type is `text`, `integer`, `country` (any spelling or ISO3 code, resolved in SQL
by analytics.resolve_country), `tier`, `region` or `category` (of findings); the last four are checked against the
database before the query runs, so a typo gets a suggestion rather than an empty result. So is an `integer`
named `year` or ending in `_year`: it must be the year of a report in analytics.reports. A type followed by
`{a, b}` accepts only those values.
`required` after the type makes it mandatory; without `= default` it is NULL unless given.
The SQL refers to it as `%(name)s`, so values are always bound by psycopg, never pasted into
the text (a literal percent sign in the SQL must be written `%%`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from tipdb.errors import QueryProblem
from tipdb.paths import queries_dir

PARAMETER_TYPES = ("text", "integer", "country", "tier", "region", "category")
_HEADER = re.compile(r"^--\s*(name|description|grain|param):\s*(.*?)\s*$")
_PARAM = re.compile(r"^(\w+)\s+(\w+)(?:\s*\{([^}]*)\})?(\s+required)?(?:\s*=\s*([^|]*?))?\s*(?:\|\s*(.*))?$")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Parameter(NamedTuple):
    name: str
    type: str
    default: str | None
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def is_report_year(self) -> bool:
        return self.type == "integer" and (self.name == "year" or self.name.endswith("_year"))

    def convert(self, raw: str | None):
        if raw is None or raw == "":
            return None
        if self.choices and raw not in self.choices:
            raise QueryProblem(f"parameter {self.name!r} cannot be {raw!r}; allowed: {', '.join(self.choices)}")
        if self.type == "integer":
            if not (raw.isascii() and raw.strip().lstrip("+-").isdigit()):
                raise QueryProblem(f"parameter {self.name!r} must be a whole number, got {raw!r}")
            return int(raw)
        return raw


class Query(NamedTuple):
    name: str
    description: str
    grain: str
    parameters: tuple[Parameter, ...]
    sql: str
    path: Path

    def bind(self, given: dict[str, str]) -> dict[str, object]:
        """Parameter values for psycopg: given ones converted, missing ones defaulted."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            listed = ", ".join(f"{p.name} ({p.type})" for p in self.parameters) or "none"
            raise QueryProblem(f"query {self.name!r} has no parameter {', '.join(map(repr, unknown))}; "
                               f"its parameters: {listed}")
        missing = [p.name for p in self.parameters if p.required and not given.get(p.name)]
        if missing:
            raise QueryProblem(f"query {self.name!r} needs {', '.join(missing)}: add -p {missing[0]}=...")
        return {name: p.convert(given.get(name, p.default)) for name, p in known.items()}


def parse(path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    parameters = []
    body_lines = []
    in_header = True
    for line in text.splitlines():
        match = _HEADER.match(line) if in_header else None
        if match:
            key, value = match.groups()
            if key == "param":
                parameters.append(_parse_parameter(path, value))
            else:
                fields[key] = value
            continue
        if in_header and line.startswith("--"):
            continue
        in_header = False
        body_lines.append(line)
    for required in ("name", "description", "grain"):
        if required not in fields:
            raise QueryProblem(f"{path}: header has no '-- {required}:' line")
    if fields["name"] != path.stem:
        raise QueryProblem(f"{path}: header name {fields['name']!r} differs from the file name")
    sql = "\n".join(body_lines).strip().rstrip(";")
    used = set(_PLACEHOLDER.findall(sql))
    declared = {p.name for p in parameters}
    if used != declared:
        raise QueryProblem(f"{path}: parameters used {sorted(used)} differ from those declared {sorted(declared)}")
    return Query(fields["name"], fields["description"], fields["grain"], tuple(parameters), sql, path)


def _parse_parameter(path: Path, text: str) -> Parameter:
    match = _PARAM.match(text)
    if not match or match.group(2) not in PARAMETER_TYPES:
        raise QueryProblem(f"{path}: bad parameter line {text!r} (expected: NAME TYPE [= DEFAULT] [| description],"
                           f" TYPE one of {', '.join(PARAMETER_TYPES)})")
    name, type_, choices, required, default, description = match.groups()
    allowed = tuple(c.strip() for c in choices.split(",") if c.strip()) if choices else ()
    return Parameter(name, type_, default or None, description or "", required=bool(required), choices=allowed)


def catalog() -> dict[str, Query]:
    return {q.name: q for q in (parse(p) for p in sorted(queries_dir().glob("*.sql")))}


def get(name: str) -> Query:
    path = queries_dir() / f"{name}.sql"
    if name.isidentifier() and path.is_file():  # the usual case: read one file, not the catalog
        return parse(path)
    queries = catalog()
    if name not in queries:
        from tipdb.suggest import did_you_mean  # difflib: only when a hint is needed

        hint = did_you_mean(name, {q: q for q in queries})
        raise QueryProblem(f"no query named {name!r}" + (f"; {hint}" if hint else "")
                           + f". Available: {', '.join(queries)}")
    return queries[name]


# Per parameter type: SQL giving one row, the value found or NULL if unknown,, and SQL listing candidates for hints.
_LOOKUPS = {
    "country": (
        "SELECT analytics.resolve_country(%s)",
        "SELECT name, country FROM analytics.country_names UNION ALL SELECT iso3, country FROM analytics.countries",
    ),
    "tier": (
        "SELECT (SELECT tier FROM analytics.tiers WHERE tier = %s)",
        "SELECT tier, tier FROM analytics.tiers UNION ALL SELECT tier_label, tier FROM analytics.tiers",
    ),
    "category": (
        "SELECT (SELECT category FROM analytics.finding_categories WHERE category = %s)",
        "SELECT category, category FROM analytics.finding_categories"
        " UNION ALL SELECT category_label, category FROM analytics.finding_categories",
    ),
    "region": (
        "SELECT (SELECT region FROM analytics.countries WHERE lower(region) = lower(%s) LIMIT 1)",
        "SELECT DISTINCT region, region FROM analytics.countries",
    ),
}


def _check_values(conn, query: Query, values: dict[str, object]) -> None:
    for parameter in query.parameters:
        value = values[parameter.name]
        if value is not None and parameter.is_report_year:
            years = [r[0] for r in conn.execute("SELECT report_year FROM analytics.reports ORDER BY 1")]
            if value not in years:
                shown = f"{years[0]} to {years[-1]}" if years else "none loaded"
                gaps = sorted(set(range(years[0], years[-1] + 1)) - set(years)) if years else []
                raise QueryProblem(f"no report for {parameter.name} {value}; report years: {shown}"
                                   + (f" except {', '.join(map(str, gaps))}" if gaps else ""))
            continue
        if value is None or parameter.type not in _LOOKUPS:
            continue
        find, candidates = _LOOKUPS[parameter.type]
        if conn.execute(find, [value]).fetchone()[0] is None:
            from tipdb.suggest import did_you_mean

            hint = did_you_mean(str(value), dict(conn.execute(candidates).fetchall()))
            raise QueryProblem(f"unknown {parameter.type} {value!r} for parameter {parameter.name!r}"
                               + (f"; {hint}" if hint else ""))


def execute(conn, query: Query, given: dict[str, str], cursor=None):
    """Check the parameters and execute the query on `cursor` (default: a new one); return the cursor."""
    import psycopg

    values = query.bind(given)
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            raise QueryProblem(f"parameter {name!r} contains a NUL character, which no text value may hold")
    _check_values(conn, query, values)
    try:
        return (cursor or conn.cursor()).execute(query.sql, values)
    except (psycopg.errors.DataError, psycopg.errors.NumericValueOutOfRange) as exc:
        raise QueryProblem(f"query {query.name!r}: {exc.diag.message_primary}") from exc


def result(conn, name: str, given: dict[str, str]):
    """The canned query NAME's answer as an output.Result: typed, described columns over streamed rows."""
    from tipdb import catalog

    cursor = execute(conn, get(name), given)  # small answers: one round trip, iterated rather than fetched whole
    return catalog.result_of(conn, cursor)


def run(conn, query: Query, given: dict[str, str]) -> tuple[list[str], list[tuple]]:
    """Execute a query with bound parameters; return column names and every row (for charts and tests)."""
    cursor = execute(conn, query, given)
    columns = [c.name for c in cursor.description] if cursor.description else []
    return columns, cursor.fetchall()
