"""Findings, official lists, enforcement figures and the Watch List rule, on the real seeded data."""

import pytest
from click.testing import CliRunner

from tipdb.cli import main

from helpers import query_rows as run


def test_north_korea_state_sponsored_forced_labor_is_found_by_words(reader_db):
    rows = run(reader_db, "search_findings", words="forced labor", year=2020, country="Korea, North")
    assert rows and all(r["country"] == "North Korea" for r in rows)
    assert rows[0]["category"] == "state_sponsored"
    assert "policy or pattern of forced labor" in rows[0]["summary"]
    relevance = [r["relevance"] for r in rows]
    assert relevance == sorted(relevance, reverse=True)


def test_search_with_category_filter_and_report_wide_findings(reader_db):
    rows = run(reader_db, "search_findings", words="Special Watch List", year=2020)
    assert any(r["country"] is None and "46 countries" in r["summary"] for r in rows)
    soldiers = run(reader_db, "search_findings", words="child soldiers", category="child_soldiers")
    assert soldiers and {r["category"] for r in soldiers} == {"child_soldiers"}


def test_search_command(reader_url):
    result = CliRunner().invoke(main, ["search", "Xinjiang", "--year", "2020", "--format", "csv"],
                                env={"DATABASE_URL": reader_url})
    assert result.exit_code == 0
    assert result.stdout.startswith("report_year,country,category,summary")
    assert "2020,China,state_sponsored" in result.stdout


def test_cspa_2019_and_tier_3(reader_db):
    members = {r[0] for r in reader_db.execute(
        "SELECT country FROM analytics.designations WHERE report_year = 2019 AND list_code = 'cspa'")}
    assert len(members) == 11 and {"Myanmar", "Iran", "South Sudan", "Yemen"} <= members
    both = {r["country"] for r in run(reader_db, "cspa_and_tier_3", year=2019)}
    assert {"Myanmar", "Iran", "South Sudan", "Syria"} <= both and "Yemen" not in both  # Yemen: special case


def test_designations_merge_sources_of_one_membership(reader_db):
    # Afghanistan's 2020 "policy or pattern" is stated in two seed files with different citations.
    row = reader_db.execute("SELECT sources_count FROM analytics.designations "
                     "WHERE report_year = 2020 AND list_code = 'state_sponsored' AND iso3 = 'AFG'").fetchone()
    assert row == (2,)
    count = reader_db.execute("SELECT count(*) FROM analytics.designations "
                       "WHERE report_year = 2020 AND list_code = 'state_sponsored'").fetchone()
    assert count == (12,)  # Yonhap: "the shortlist of 12 countries in 2020"


def test_country_dossier(reader_db):
    rows = run(reader_db, "country_dossier", country="Burma", year=2020)
    sections = [r["section"] for r in rows]
    assert sections[0] == "placement" and rows[0]["detail"].startswith("Tier 3")
    lists = {r["detail"] for r in rows if r["section"] == "official list"}
    assert lists == {"Child Soldiers Prevention Act list", "Government policy or pattern of trafficking"}


@pytest.mark.parametrize("country", ["Algeria", "Bangladesh", "Hungary", "Iraq", "Liberia", "Montenegro", "Nicaragua"])
def test_2019_waivers_show_in_the_audit(reader_db, country):
    rows = {r["country"]: r for r in run(reader_db, "auto_downgrade_audit", from_year=2019, to_year=2019)}
    assert rows[country]["outcome"] == "waived" and rows[country]["rule_id"] == "waiver_one_year"


def test_audit_reads_the_rule_from_data(reader_db):
    rows = {(r["report_year"], r["country"]): r for r in run(reader_db, "auto_downgrade_audit", from_year=2019, to_year=2020)}
    # Waived in 2019, still on the Watch List: downgraded to Tier 3 in 2020.
    assert rows[(2020, "Algeria")]["outcome"] == "downgraded"
    assert rows[(2020, "Malaysia")]["outcome"] == "waived"
    # No rule governs reports before 2009, so the audit says nothing about them.
    assert run(reader_db, "auto_downgrade_audit", to_year=2008) == []
    rules = dict(reader_db.execute("SELECT rule_id, effective_from_report_year FROM analytics.watch_list_rules").fetchall())
    assert rules["auto_downgrade_2008"] == 2009 and rules["swl_2003"] is None


def test_enforcement_missing_figures_stay_null(reader_db):
    rows = {r["report_year"]: r for r in run(reader_db, "enforcement_trend")}
    assert rows[2016]["victims_identified"] is None  # not in the transcription used
    assert rows[2008]["victims_identified"] is None  # the 2008 table had no victims column
    assert rows[2024]["victims_identified"] == 133943
    assert rows[2024]["victims_identified_change"] == 133943 - 115324
    assert rows[2017]["victims_identified_change"] is None


def test_search_is_a_function_returning_plain_columns(reader_db):
    rows = reader_db.execute(
        "SELECT report_year, country, relevance FROM analytics.search_findings('child soldiers') "
        "ORDER BY relevance DESC").fetchall()
    assert rows and all(relevance > 0 for _, _, relevance in rows)
    assert reader_db.execute("SELECT count(*) FROM analytics.search_findings('zzzqqq')").fetchone() == (0,)
    columns = {r[0] for r in reader_db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'analytics'"
        " AND table_name = 'findings'")}
    assert "search_vector" not in columns and "summary" in columns
