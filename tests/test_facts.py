"""Real facts from the sourced data, read back through the analytics views."""

import pytest


def one(reader_db, sql, *params):
    return reader_db.execute(sql, params).fetchone()


@pytest.mark.parametrize(
    "year, country, tier",
    [
        (2020, "Namibia", "1"),  # upgraded to Tier 1 in its 2020 narrative
        (2020, "Afghanistan", "3"),  # downgraded to Tier 3 in 2020
        (2019, "Afghanistan", "2WL"),
        (2002, "South Korea", "1"),  # upgraded from Tier 3 (2001) to Tier 1 in 2002
        (2001, "South Korea", "3"),
        (2023, "Republic of the Congo", "2WL"),  # conflict resolved in favour of the narrative
        (2023, "Democratic Republic of the Congo", "2"),
        (2022, "Cyprus", "1"),
        (2024, "Haiti", "special_case"),
    ],
)
def test_known_placements(reader_db, year, country, tier):
    row = one(reader_db, "SELECT tier FROM analytics.rankings WHERE report_year = %s AND country = %s", year, country)
    assert row == (tier,)


def test_2015_has_the_published_tier_counts(reader_db):
    counts = dict(reader_db.execute(
        "SELECT tier, placements FROM analytics.tier_counts WHERE report_year = 2015"
    ).fetchall())
    assert counts == {"1": 31, "2": 89, "2WL": 44, "3": 23, "special_case": 1}


def test_2020_tier_3_is_the_published_nineteen(reader_db):
    row = one(reader_db, "SELECT placements, published_count, matches_published FROM analytics.tier_counts "
                  "WHERE report_year = 2020 AND tier = '3'")
    assert row == (19, 19, True)


def test_gaps_stay_gaps(reader_db):
    # SOURCES.md: no 2024 statement was found for Somalia or Yemen, so neither has a row.
    rows = reader_db.execute("SELECT iso3 FROM analytics.rankings WHERE report_year = 2024 AND iso3 IN ('SOM', 'YEM')")
    assert rows.fetchall() == []
    assert one(reader_db, "SELECT placements, published_total, complete, missing_placements "
                   "FROM analytics.coverage WHERE report_year = 2024") == (186, 188, False, 2)


def test_coverage_flags_complete_and_partial_years(reader_db):
    complete = dict(reader_db.execute("SELECT report_year, complete FROM analytics.coverage").fetchall())
    # SOURCES.md: these years match their published totals (2016-2018 and 2025 completed in its fifth to seventh passes).
    assert {year for year, done in complete.items() if done} == {2002, *range(2009, 2021), 2022, 2023, 2025}
    # Known gaps: 2004 and 2005 one country each, 2008 five, 2024 Somalia and Yemen.
    assert {year for year, done in complete.items() if done is False} == {2004, 2005, 2008, 2024}
    assert complete[2021] is None  # no published total was found: tipdb cannot tell


def test_every_source_kept_and_derived_rows_marked(reader_db):
    assert one(reader_db, "SELECT count(*) FROM tip.ranking WHERE source_id IS NULL") == (0,)
    # SOURCES.md: Namibia 2019 is derived by elimination; its 2020 placement is read.
    assert one(reader_db, "SELECT verification FROM analytics.rankings WHERE iso3 = 'NAM' AND report_year = 2019") == ("derived",)
    assert one(reader_db, "SELECT verification FROM analytics.rankings WHERE iso3 = 'NAM' AND report_year = 2020") == ("read",)


@pytest.mark.parametrize("spelling", ["Burma", "Myanmar", "MMR", "mmr", "  burma "])
def test_country_spellings_resolve_to_one_country(reader_db, spelling):
    assert one(reader_db, "SELECT analytics.resolve_country(%s)", spelling) == ("MMR",)


def test_kosovo_is_xkx_in_europe(reader_db):
    assert one(reader_db, "SELECT iso3, region FROM analytics.countries WHERE country = 'Kosovo'") == ("XKX", "Europe")


def test_fiscal_year_names_the_report_after(reader_db):
    assert one(reader_db, "SELECT report_year FROM analytics.reports WHERE fiscal_year = 2019") == (2020,)


def test_changes(reader_db):
    rows = dict(reader_db.execute(
        "SELECT report_year, change FROM analytics.rankings WHERE iso3 = 'AFG' AND report_year IN (2019, 2020)"
    ).fetchall())
    assert rows[2020] == "downgrade"
    namibia = one(reader_db, "SELECT previous_tier, change FROM analytics.rankings WHERE iso3 = 'NAM' AND report_year = 2020")
    assert namibia == ("2", "upgrade")
    # Vanuatu was first assessed in 2020 and 2019 is complete.
    assert one(reader_db, "SELECT change FROM analytics.rankings WHERE iso3 = 'VUT' AND report_year = 2020") == ("first_ranked",)


def test_changes_never_bleed_between_countries(reader_db):
    """previous_tier must equal the same country's own placement in the preceding report, computed independently."""
    mismatches = one(reader_db, """
        WITH prev AS (
            SELECT r.report_year, r.iso3,
                   (SELECT p.tier_code FROM tip.ranking p
                    WHERE p.iso3 = r.iso3
                      AND p.report_year = (SELECT max(report_year) FROM tip.report WHERE report_year < r.report_year))
                   AS expected
            FROM tip.ranking r
        )
        SELECT count(*) FROM analytics.rankings a JOIN prev USING (report_year, iso3)
        WHERE a.previous_tier IS DISTINCT FROM prev.expected
    """)
    assert mismatches == (0,)
    next_mismatches = one(reader_db, """
        SELECT count(*) FROM analytics.rankings a
        WHERE a.next_tier IS DISTINCT FROM (
            SELECT n.tier_code FROM tip.ranking n
            WHERE n.iso3 = a.iso3
              AND n.report_year = (SELECT min(report_year) FROM tip.report WHERE report_year > a.report_year))
    """)
    assert next_mismatches == (0,)
    # And the view has exactly one row per placement.
    assert one(reader_db, "SELECT count(*) FROM analytics.rankings") == one(reader_db, "SELECT count(*) FROM tip.ranking")


def test_runs_on_a_tier(reader_db):
    # North Korea: Tier 3 in every report from 2003 (the 2001 and 2002 reports do not place it).
    assert one(reader_db, "SELECT tier_since, reports_on_tier FROM analytics.rankings "
                   "WHERE iso3 = 'PRK' AND report_year = 2025") == (2003, 23)
    # Namibia: upgraded to Tier 1 in 2020, back to Tier 2 in 2023.
    assert one(reader_db, "SELECT tier_since, reports_on_tier, next_tier FROM analytics.rankings "
                   "WHERE iso3 = 'NAM' AND report_year = 2022") == (2020, 3, "2")


@pytest.mark.parametrize("name, iso3", [("Türkiye", "TUR"), ("Czechia", "CZE"), ("Ivory Coast", "CIV"),
                                        ("Côte d'Ivoire", "CIV"), ("Burma", "MMR"), ("mmr", "MMR"), ("Narnia", None)])
def test_official_and_common_spellings_resolve(reader_db, name, iso3):
    # Known spellings first, then country_converter's patterns (kept in tip.country_name_pattern).
    assert one(reader_db, "SELECT analytics.resolve_country(%s)", name) == (iso3,)


def test_special_watch_list_computed_from_placements_matches_every_published_size(reader_db):
    rows = reader_db.execute("SELECT report_year, on_watch_list, moved_up, published_size, matches_published "
                             "FROM analytics.special_watch_list WHERE published_size IS NOT NULL").fetchall()
    # Interim assessments: 11 published sizes (special_watch_list_counts.csv), each reproduced by the placements.
    assert len(rows) == 11 and all(match for *_, match in rows)
    by_year = {year: (watch, up, size) for year, watch, up, size, _ in rows}
    # 2021 Interim Assessment: 46 for 2020, 44 on the Watch List; Namibia and Singapore moved up to Tier 1.
    assert by_year[2020] == (44, 2, 46)
    moved = reader_db.execute(
        "SELECT r.iso3 FROM tip.ranking r JOIN tip.ranking b ON b.iso3 = r.iso3 AND b.report_year = 2019 "
        "JOIN tip.tier t ON t.tier_code = r.tier_code JOIN tip.tier bt ON bt.tier_code = b.tier_code "
        "WHERE r.report_year = 2020 AND r.tier_code <> '2WL' AND t.level < bt.level ORDER BY 1").fetchall()
    assert moved == [("NAM",), ("SGP",)]
