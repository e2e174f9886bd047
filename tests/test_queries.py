"""Every canned query, run on the real seeded data, against facts stated by the sources."""

import pytest

from tipdb import queries
from tipdb.errors import QueryProblem

from helpers import query_rows as run


def by_country(rows):
    return {row["country"]: row for row in rows}


def test_catalog_is_complete_and_every_header_parses():
    """Every queries/*.sql file is in the catalog under its file name, with a description and a grain."""
    from tipdb.paths import queries_dir

    catalog = queries.catalog()
    assert sorted(catalog) == sorted(p.stem for p in queries_dir().glob("*.sql"))
    for name, query in catalog.items():
        assert query.name == name and query.description and query.grain
        assert query.sql.lstrip().upper().startswith(("SELECT", "WITH")), name


def _tier_codes(conn) -> set[str]:
    return {row[0] for row in conn.execute("SELECT tier FROM analytics.tiers")}


# Queries of other owners that still list tiers, with the helper who owns them (tip.tier is the one list).
ELSEWHERE = {"transition_matrix": "trust"}


@pytest.mark.parametrize("name", sorted(queries.catalog()))
def test_no_query_repeats_the_tier_list(reader_db, name):
    """Tiers come from analytics.tiers: a query may name one tier it is about, never enumerate them."""
    import re

    sql = queries.get(name).sql
    named = {code for code in _tier_codes(reader_db) if re.search(rf"'{re.escape(code)}'", sql)}
    if len(named) > 1 and name in ELSEWHERE:
        pytest.skip(f"{name} is the {ELSEWHERE[name]} helper's to change")
    assert len(named) <= 1, f"{name} lists tiers {sorted(named)}; read them from analytics.tiers"
    assert not re.search(r"(=|<>|<|>)\s*5\b", sql), f"{name} compares with 5, the old Special Case ordinal"


def _by_year_and_tier(rows):
    return {(r["report_year"], r["tier"]): r for r in rows}


def test_tier_members_2020_tier_3(reader_db):
    rows = run(reader_db, "tier_members", year=2020)
    assert len(rows) == 19  # Baptist Press: 19 Tier 3 countries in 2020
    assert {"Afghanistan", "North Korea", "China", "Iran", "Russia"} <= set(by_country(rows))


def test_tier_counts_by_year_2015_matches_published(reader_db):
    rows = run(reader_db, "tier_counts_by_year", from_year=2015, to_year=2015)
    assert [(r["tier"], r["placements"]) for r in rows] == [
        ("1", 31), ("2", 89), ("2WL", 44), ("3", 23), ("special_case", 1)]  # in tier order
    assert {(r["total"], r["complete"], str(r["report_year_date"])) for r in rows} == {(188, True, "2015-01-01")}


@pytest.mark.parametrize("spelling", ["Burma", "Myanmar", "MMR"])
def test_country_history_accepts_any_spelling(reader_db, spelling):
    rows = run(reader_db, "country_history", country=spelling)
    assert rows[0]["report_year"] == 2001 and rows[0]["tier"] == "3" and rows[0]["change"] == "first_ranked"
    assert {r["country"] for r in rows} == {"Myanmar"}


def test_country_history_of_an_unknown_country_suggests(reader_db):
    # A misspelling that no country_converter pattern recognises (they would find "namibia" in "Namibiaa").
    with pytest.raises(QueryProblem, match="unknown country 'Nambia'.*did you mean 'Namibia'"):
        run(reader_db, "country_history", country="Nambia")


def test_tier_changes_2020_are_the_published_22_up_23_down(reader_db):
    rows = run(reader_db, "tier_changes", year=2020)
    changes = [r["change"] for r in rows]
    assert changes.count("upgrade") == 22 and changes.count("downgrade") == 23  # Baptist Press, 2020
    assert by_country(rows)["Namibia"]["change"] == "upgrade"
    downs = run(reader_db, "tier_changes", year=2020, direction="downgrade")
    assert len(downs) == 23 and {r["change"] for r in downs} == {"downgrade"}


def test_new_to_tier_3_in_2020(reader_db):
    rows = run(reader_db, "new_to_tier", tier=3, year=2020)
    assert set(by_country(rows)) == {"Afghanistan", "Algeria", "Lesotho", "Nicaragua"}
    assert {r["previous_tier"] for r in rows} == {"2WL"}


def test_watch_list_streaks_2020(reader_db):
    rows = by_country(run(reader_db, "watch_list_streaks", year=2020))
    assert len(rows) == 44  # Factbook 2021: 44 Watch List countries in 2020
    # The 2020 narratives: "remained on Tier 2 Watch List for the second consecutive year".
    assert (rows["Vietnam"]["since"], rows["Vietnam"]["consecutive_reports"]) == (2019, 2)
    # 2018 is complete (it matches its published total), so the streak is known to start in 2019.
    assert rows["Vietnam"]["may_be_longer"] is False
    # Waived in 2020: on the list in 2018 and 2019 (waiver memorandum).
    assert rows["Malaysia"]["consecutive_reports"] >= 3


def test_longest_runs_on_tier_3(reader_db):
    top = run(reader_db, "longest_runs", tier=3, limit=1)[0]
    assert (top["country"], top["first_year"], top["last_year"]) == ("North Korea", 2003, 2025)


def test_always_one_tier(reader_db):
    rows = by_country(run(reader_db, "always_one_tier", min_reports=20))
    assert rows["United Kingdom"]["tier"] == "1" and rows["United Kingdom"]["reports"] == 25
    assert rows["North Korea"]["tier"] == "3"
    assert "Namibia" not in rows


def test_tiers_by_region_2020(reader_db):
    rows = {(r["region"], r["tier"]): r for r in run(reader_db, "tiers_by_region", year=2020)}
    assert sum(r["placements"] for r in rows.values()) == 188
    assert rows["Africa", "1"]["placements"] == 1  # Namibia, upgraded in 2020
    assert rows["Europe", "special_case"]["placements"] == 0  # every tier, even with no placement
    assert len(rows) == 5 * len({region for region, _ in rows})


def test_african_countries_on_tier_1(reader_db):
    rows = by_country(run(reader_db, "region_tier_members", region="Africa", tier=1))
    assert rows["Namibia"]["first_year"] == 2020 and rows["Namibia"]["report_years"].startswith("2020, 2021, 2022")


def test_unknown_region_suggests(reader_db):
    with pytest.raises(QueryProblem, match="did you mean 'Africa'"):
        run(reader_db, "region_tier_members", region="Afrika")


def test_transition_matrix_2019_to_2020(reader_db):
    rows = run(reader_db, "transition_matrix", from_year=2019, to_year=2020)
    cells = {(r["from_tier"], r["to_tier"]): r["countries"] for r in rows}
    assert sum(n for (a, _), n in cells.items() if a == "3") == 21
    # Six countries left Tier 3 for the Watch List in 2020 (reporter.am's five, plus Mauritania).
    assert (cells["3", "3"], cells["3", "2WL"]) == (15, 6)
    # Every placement of both reports is counted: "not placed" (None) both ways, Vanuatu first placed in 2020.
    assert sum(n for (a, _), n in cells.items() if a is not None) == 187
    assert sum(n for (_, b), n in cells.items() if b is not None) == 188 and cells[None, "2"] == 1


def test_most_volatile_counts_changes_into_the_range(reader_db):
    rows = run(reader_db, "most_volatile", from_year=2020, to_year=2020, limit=300)
    moved = [r for r in rows if r["changes"] > 0]
    assert len(moved) == 45  # 22 upgrades + 23 downgrades, no special-case moves
    assert all(r["changes"] == r["upgrades"] + r["downgrades"] for r in moved)


def test_cohort_tier_shares(reader_db):
    rows = {r["tier"]: r for r in run(reader_db, "cohort_tier_shares", cohort_year=2019, from_year=2019, to_year=2019)}
    assert list(rows) == ["1", "2", "2WL", "3", "special_case"]
    assert {(r["cohort_size"], r["cohort_placed"]) for r in rows.values()} == {(187, 187)}
    assert (rows["1"]["placements"], float(rows["1"]["share_pct"])) == (33, round(33 * 100 / 187, 1))
    assert sum(r["placements"] for r in rows.values()) == 187


def test_coverage_query(reader_db):
    rows = {r["report_year"]: r for r in run(reader_db, "coverage", from_year=2015, to_year=2025)}
    assert rows[2015]["complete"] is True and rows[2024]["missing_placements"] == 2
    assert len(rows) == 11


@pytest.mark.parametrize("name", sorted(queries.catalog()))
def test_every_query_runs_with_defaults(reader_db, name):
    query = queries.get(name)
    given = {p.name: "Burma" for p in query.parameters if p.required}
    columns, rows = queries.run(reader_db, query, given)
    assert columns and rows


def test_tier_counts_by_year_for_one_region(reader_db):
    rows = _by_year_and_tier(run(reader_db, "tier_counts_by_year", region="Africa"))
    assert rows[2020, "1"]["placements"] == 1  # Namibia
    assert rows[2020, "1"]["total"] == 53
    assert len(rows) == 25 * 5  # every report year and tier, even where the region has no placement loaded
    every = _by_year_and_tier(run(reader_db, "tier_counts_by_year"))
    assert every[2020, "1"]["total"] == 188 and rows[2020, "3"]["placements"] < every[2020, "3"]["placements"]


def test_watch_list_streaks_are_bounded_by_a_placement_before_them(reader_db):
    # 2024 is incomplete (Somalia and Yemen), but Barbados was placed in 2024 (Tier 2): its 2025 streak starts in 2025.
    rows = by_country(run(reader_db, "watch_list_streaks", year=2025))
    assert (rows["Barbados"]["since"], rows["Barbados"]["may_be_longer"]) == (2025, False)
