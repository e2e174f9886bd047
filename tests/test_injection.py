"""Query parameters are bound values: SQL, quotes, comments and unicode tricks in them stay plain text."""

import pytest

from tipdb import queries
from tipdb.errors import QueryProblem

from helpers import table_checksums

HOSTILE = [
    "'; DROP TABLE tip.ranking; --",
    "3' OR '1'='1",
    "1; DELETE FROM tip.ranking",
    "Namibia'--",
    "$$; DROP SCHEMA analytics CASCADE; $$",
    "/* */ UNION SELECT citation FROM tip.source --",
    "%(year)s",
    "%s%s%s",
    "Burma\u2019; DROP TABLE tip.country; --",  # a typographic apostrophe
    "\uff07 OR 1=1 --",  # fullwidth apostrophe
    "Namibia\u200b",  # zero-width space
    "\\'; SELECT pg_sleep(5); --",
    "Nam\x00ibia",
]


@pytest.mark.parametrize("name", sorted(queries.catalog()))
def test_hostile_values_are_plain_values(db, name):
    """Every parameter of the query, given every hostile value: refused as a value or run as one."""
    query = queries.get(name)
    before = table_checksums(db)
    db.rollback()
    outcomes, expected = {}, {}
    for parameter in query.parameters:
        for value in HOSTILE:
            given = {p.name: "Burma" for p in query.parameters if p.required}
            given[parameter.name] = value
            try:
                columns, _ = queries.run(db, query, given)
            except QueryProblem as exc:
                # Refused as a value: not a number, an unknown country or tier, a NUL character...
                assert parameter.name in str(exc) or "unknown" in str(exc), exc
                outcomes[parameter.name, value] = "refused"
            else:
                assert columns
                outcomes[parameter.name, value] = "ran"
            db.rollback()
            # No hostile value is a number or a known tier, region or category; a NUL is never accepted;
            # a country runs only if analytics.resolve_country recognises the name in it (its patterns
            # find "Namibia" in "Namibia'--"); any other text is a plain value the query runs with.
            if "\x00" in value:
                accepted = False
            elif parameter.type == "country":
                accepted = db.execute("SELECT analytics.resolve_country(%s) IS NOT NULL", [value]).fetchone()[0]
                db.rollback()
            else:
                accepted = parameter.type == "text" and (not parameter.choices or value in parameter.choices)
            expected[parameter.name, value] = "ran" if accepted else "refused"
    assert outcomes == expected
    assert table_checksums(db) == before
    assert db.execute("SELECT count(*) FROM tip.ranking").fetchone() == (4224,)


def test_a_hostile_text_value_is_searched_for_literally(db):
    findings = db.execute("SELECT count(*) FROM tip.finding").fetchone()
    _, rows = queries.run(db, queries.get("search_findings"), {"words": "'; DROP TABLE tip.finding; --"})
    assert rows == []  # no finding speaks of dropping tables
    assert db.execute("SELECT count(*) FROM tip.finding").fetchone() == findings
