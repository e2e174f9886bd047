"""Frictionless Data Package descriptors: one for seeds/, one for an export of the database.

Both are generated, never written by hand: the seeds' from the kind declarations (kinds.py) and
the lookup tables, the export's from the database's own catalog (columns, keys, comments).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from psycopg import sql

from tipdb import kinds, load, validate

PROFILE = "tabular-data-package"
# The compilation is dedicated to the public domain; what it is compiled from keeps its own status
# (LICENSE and README.md "Licence" say the same).
LICENSES = [{
    "name": "CC0-1.0",
    "path": "https://creativecommons.org/publicdomain/zero/1.0/",
    "title": "CC0 1.0 for the compilation (selection, arrangement, paraphrases written for tipdb)",
}]
RIGHTS = ("The placements, counts and findings are compiled from U.S. Department of State TIP Reports, "
          "U.S. government works in the public domain in the U.S. (17 U.S.C. 105), and from other public "
          "sources (academic datasets, news and NGO reports) cited row by row in the source column, which keep "
          "their own terms. tipdb dedicates its compilation to the public domain under CC0 1.0, as far as it "
          "holds any rights in it; it claims none in the cited sources.")
# Stated rather than sniffed: citations full of punctuation mislead dialect detection.
DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True}
_SEED_TYPES = {
    kinds.YEAR: "integer", kinds.NEW_YEAR: "integer", kinds.WHOLE_NUMBER: "integer", kinds.DATE: "date",
}
_PG_TYPES = {
    "smallint": "integer", "integer": "integer", "bigint": "integer", "numeric": "number", "boolean": "boolean",
    "date": "date", "timestamp with time zone": "datetime", "text": "string",
}


def _resource_name(path: Path) -> str:
    return re.sub(r"[^a-z0-9._-]", "_", path.stem.lower())


def _lookups(conn) -> dict[str, list[str]]:
    return {
        kinds.TIER: [r[0] for r in conn.execute("SELECT tier_code FROM tip.tier ORDER BY ordinal")],
        kinds.CATEGORY: [r[0] for r in conn.execute("SELECT category FROM tip.finding_category ORDER BY 1")],
        kinds.LIST: [r[0] for r in conn.execute("SELECT list_code FROM tip.official_list ORDER BY 1")],
    }


def seeds_descriptor(conn, files: list[Path] | None = None) -> dict:
    """The data package that describes the seed files: fields, types, keys, references."""
    files = files or load.seed_files()
    file_kinds = {path: validate.detect_kind(path) for path in files}
    by_kind: dict[str, str] = {}
    for path, kind in file_kinds.items():
        by_kind.setdefault(kind.name, _resource_name(path))
    lookups = _lookups(conn)
    resources = []
    for path, kind in file_kinds.items():
        fields, foreign_keys, missing = [], [], [""]
        for column in kind.columns:
            field = {"name": column.name, "type": _SEED_TYPES.get(column.type, "string")}
            # "All countries" is read as no country, so that column cannot be required here.
            required = column.required and column.type != kinds.COUNTRY_OR_ALL
            constraints = {"required": True} if required else {}
            if column.type in (kinds.YEAR, kinds.NEW_YEAR):
                constraints.update(minimum=2001, maximum=2100)
            elif column.type == kinds.WHOLE_NUMBER:
                constraints["minimum"] = 0
            elif column.type in (kinds.ISO3, kinds.NEW_ISO3):
                constraints["pattern"] = "[A-Z]{3}"
            elif column.type in lookups:
                constraints["enum"] = lookups[column.type]
            if constraints:
                field["constraints"] = constraints
            fields.append(field)
            target = {
                kinds.COUNTRY: ("country_names", "name_in_report"),
                kinds.COUNTRY_OR_ALL: ("country_names", "name_in_report"),
                kinds.YEAR: ("reports", "report_year"),
                kinds.ISO3: ("countries", "iso3"),
            }.get(column.type)
            if target and target[0] in by_kind:
                foreign_keys.append({"fields": column.name,
                                     "reference": {"resource": by_kind[target[0]], "fields": target[1]}})
            if column.type == kinds.COUNTRY_OR_ALL:
                missing.append(kinds.ALL_COUNTRIES)  # a report-wide finding names no country
        schema = {"fields": fields, "primaryKey": list(kind.key), "missingValues": missing}
        if foreign_keys:
            schema["foreignKeys"] = foreign_keys
        resources.append({
            "name": _resource_name(path), "path": path.name, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "dialect": DIALECT,
            "description": kind.description, "schema": schema,
        })
    return {
        "name": "tipdb-seeds",
        "title": "Trafficking in Persons Report tier placements and findings, as compiled from public sources",
        "profile": PROFILE,
        "description": "The seed files of tipdb. Every row names its public source in its source column; "
                       "SOURCES.md and SOURCES-findings.md say what is complete and what is in doubt.",
        "sources": [{"title": "SOURCES.md: where each year's values come from", "path": "SOURCES.md"},
                    {"title": "SOURCES-findings.md: findings, lists, enforcement, rules", "path": "SOURCES-findings.md"}],
        "licenses": LICENSES,
        "rights": RIGHTS,
        "resources": resources,
    }


def write_seeds_descriptor(conn, directory: Path) -> Path:
    target = directory / "datapackage.json"
    target.write_text(json.dumps(seeds_descriptor(conn, sorted(directory.glob("*.csv"))), indent=2,
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    return target


_TABLES = """
SELECT c.oid, c.relname, coalesce(obj_description(c.oid, 'pg_class'), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'tip' AND c.relkind = 'r' ORDER BY c.relname
"""
_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, NULL), a.attnotnull, coalesce(col_description(a.attrelid, a.attnum), '')
FROM pg_attribute a WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""
_CONSTRAINTS = """
SELECT con.contype, array_agg(a.attname ORDER BY k.ordinality), ref.relname,
       array_agg(ra.attname ORDER BY k.ordinality)
FROM pg_constraint con
CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ordinality)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
LEFT JOIN pg_class ref ON ref.oid = con.confrelid
LEFT JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[k.ordinality]
WHERE con.conrelid = %s AND con.contype IN ('p', 'f')
GROUP BY con.oid, con.contype, ref.relname ORDER BY con.contype, con.conname
"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tipdb")
    except PackageNotFoundError:
        return "0.0.0"


def export_package(conn, directory: Path) -> Path:
    """Write every core table as CSV, with a datapackage.json from the database's own catalog.

    Everything is written into a temporary directory beside DIRECTORY, which is renamed into
    place only when complete: a failure leaves no partial package behind.
    """
    from tipdb.errors import OutputProblem

    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise OutputProblem(f"{directory} exists and is not an empty directory; name a new one")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".partial", dir=directory.parent))
    try:
        target = _write_package(conn, staging)
        if directory.exists():
            directory.rmdir()  # empty, checked above
        staging.chmod(0o755)
        staging.rename(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory / target.name


def _write_package(conn, directory: Path) -> Path:
    resources = []
    for oid, table, comment in conn.execute(_TABLES).fetchall():
        fields = []
        for name, pg_type, not_null, description in conn.execute(_COLUMNS, [oid]).fetchall():
            if pg_type not in _PG_TYPES:
                continue  # e.g. the search vector: derived, and not a tabular type
            field = {"name": name, "type": _PG_TYPES[pg_type], "description": description}
            if pg_type == "boolean":
                field.update(trueValues=["true"], falseValues=["false"])  # as every tipdb CSV writes them
            if not_null:
                field["constraints"] = {"required": True}
            fields.append(field)
        schema: dict = {"fields": fields}
        for kind, columns, referenced, referenced_columns in conn.execute(_CONSTRAINTS, [oid]).fetchall():
            if kind == "p":
                schema["primaryKey"] = columns
            else:
                schema.setdefault("foreignKeys", []).append(
                    {"fields": columns, "reference": {"resource": referenced, "fields": referenced_columns}})
        path = directory / f"{table}.csv"
        # Booleans as true/false and NULL as an empty field, like tipdb's other CSV; rows in key order.
        selected = [sql.SQL("{}::text AS {}" if f["type"] == "boolean" else "{}").format(
            sql.Identifier(f["name"]), sql.Identifier(f["name"])) for f in fields]
        order = [sql.Identifier(c) for c in schema.get("primaryKey", [fields[0]["name"]])]
        with path.open("wb") as handle:
            query = sql.SQL("COPY (SELECT {} FROM {} ORDER BY {}) TO STDOUT (FORMAT csv, HEADER)").format(
                sql.SQL(", ").join(selected), sql.Identifier("tip", table), sql.SQL(", ").join(order))
            with conn.cursor().copy(query) as copy:
                for block in copy:
                    handle.write(block)
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        resources.append({"name": table, "path": path.name, "profile": "tabular-data-resource", "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8", "dialect": DIALECT, "description": comment,
                          "hash": f"sha256:{digest}", "bytes": path.stat().st_size, "schema": schema})
    descriptor = {
        "name": "tipdb",
        "title": "tipdb: Trafficking in Persons Report placements, findings and lists",
        "profile": PROFILE,
        "description": "Export of the core tables of a tipdb database. Every fact row points at its public "
                       "source in the source resource.",
        "version": _version(),
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "sources": [{"title": "Public sources cited row by row", "path": "source.csv"}],
        "licenses": LICENSES,
        "rights": RIGHTS,
        "resources": resources,
    }
    target = directory / "datapackage.json"
    target.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
