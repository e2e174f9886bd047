"""`tipdb check`: what the rules find on the shipped data, and that a file breaking each rule is caught."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tipdb import check, load
from tipdb.cli import main

SOURCE = "https://example.org/test (a statement made up for this test)"


def invoke(url: str, *args: str):
    return CliRunner().invoke(main, ["check", *args], env={"DATABASE_URL": url})


def rule(report: check.Report, rule_id: str) -> check.RuleResult:
    return next(r for r in report.rules if r.rule_id == rule_id)


def failed(report: check.Report, rule_id: str) -> set[tuple]:
    return {(f["report_year"], f["iso3"]) for f in rule(report, rule_id).failed}


# --- the shipped data -------------------------------------------------------------------------------------

def test_every_rule_has_its_view_and_documented_basis(reader_db):
    rules = reader_db.execute("SELECT rule_id, severity, basis FROM analytics.check_rules").fetchall()
    assert len(rules) >= 10 and {s for _, s, _ in rules} == {"error", "warning"}
    views = {v for (v,) in reader_db.execute(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'tip' AND table_name LIKE 'check\\_%'")}
    for rule_id, _, basis in rules:
        assert basis.strip()
        assert f"check_{rule_id}" in views
    assert views - {f"check_{r}" for r, _, _ in rules} == {"check_year"}


def test_shipped_data_errors_are_the_known_disagreements(reader_db):
    report = check.run(reader_db)
    # The one error: StopVAW's "28 countries in the top tier" of 2010 against 30 Tier 1 rows (Cho dataset + US);
    # SOURCES.md: "Still in doubt: Tier 1. The rows give 30; StopVAW says 28. Not resolved."
    assert [r.rule_id for r in report.errors] == ["tier_counts_vs_published"]
    [error] = rule(report, "tier_counts_vs_published").failed
    assert error["report_year"] == 2010 and "30 placements loaded, more than the 28 published" in error["detail"]
    # Waivers and state-sponsored listings all agree with the placements.
    assert rule(report, "waiver_not_on_watch_list").status == check.PASSED
    assert rule(report, "state_sponsored_not_on_tier_3").status == check.PASSED
    assert rule(report, "listed_country_not_placed").status == check.PASSED
    # The Special Watch List computed from the placements has its published size in all 11 years with one.
    swl = rule(report, "special_watch_list_size")
    assert swl.status == check.PASSED and not swl.findings
    assert len(set(range(2001, 2026)) - set(swl.not_checkable_years)) == 11


def test_shipped_data_warnings(reader_db):
    report = check.run(reader_db)
    # Tier 3 straight to Tier 1: South Korea in 2002 and the United Arab Emirates in 2003, both confirmed by narratives.
    assert failed(report, "tier_skipped") == {(2002, "KOR"), (2003, "ARE")}
    conflicts = {(f["report_year"], f["detail"].split(":")[0]) for f in rule(report, "published_count_in_conflict").failed}
    assert {(2012, "Tier 3"), (2018, "Tier 2 Watch List"), (2019, "Tier 3")} <= conflicts
    # Watch List streaks without a loaded waiver fall in the years whose waiver lists are missing or partial.
    streak_years = {y for y, _ in failed(report, "watch_list_streak_without_waiver")}
    assert streak_years and streak_years <= {2011, 2012, 2014, 2016, 2017, 2021}
    assert (2012, "RUS") in failed(report, "watch_list_streak_without_waiver")  # Russia's 2012 waiver is not loaded


def test_incomplete_years_are_shown_not_failed(reader_db):
    report = check.run(reader_db)
    total = rule(report, "placements_vs_published_total")
    assert total.status == check.PASSED
    assert {f["report_year"] for f in total.findings if f["outcome"] == "note"} == {2004, 2005, 2008, 2024}
    assert set(total.not_checkable_years) == {2001, 2003, 2006, 2007, 2021}


def test_year_filter_and_exit_code(reader_url):
    result = invoke(reader_url, "--year", "2020")
    assert result.exit_code == 0, result.output
    assert "PASSED        error   waiver_not_on_watch_list" in result.stdout
    assert "on report year 2020" in result.stdout
    everything = invoke(reader_url)
    assert everything.exit_code == 65  # the 2010 Tier 1 count, an error rule
    assert "FAILED        error   tier_counts_vs_published" in everything.stdout


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_machine_formats(reader_url, fmt):
    result = invoke(reader_url, "--year", "2002", "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        rows = json.loads(result.stdout)
        assert {"rule_id": "tier_skipped", "status": "failed", "iso3": "KOR", "report_year": 2002}.items() <= \
            next(r for r in rows if r["rule_id"] == "tier_skipped").items()
    else:
        assert result.stdout.splitlines()[0].startswith("rule_id,severity,status,title,report_year")
        assert "tier_skipped,warning,failed" in result.stdout


def test_coverage_gives_completeness_and_check_results(reader_db):
    rows = {r[0]: r[1:] for r in reader_db.execute(
        "SELECT report_year, complete, check_errors, check_warnings FROM analytics.coverage").fetchall()}
    complete = {y for y, (c, _, _) in rows.items() if c is True}
    assert {2002, *range(2009, 2021), 2022, 2023, 2025} <= complete
    assert rows[2021][0] is None and rows[2024][0] is False
    assert rows[2010][1] == 1 and rows[2002][2] == 1  # the 2010 Tier 1 count; South Korea's jump
    assert sum(e for _, e, _ in rows.values()) == 1


def test_tip_reader_reads_the_results(db):
    db.autocommit = True
    db.execute("SET ROLE tip_reader")
    try:
        rows = db.execute("SELECT count(*) FROM analytics.check_results WHERE outcome = 'failed'").fetchone()[0]
        assert rows > 0
        assert db.execute("SELECT check_errors FROM analytics.coverage WHERE report_year = 2010").fetchone() == (1,)
    finally:
        db.execute("RESET ROLE")


def test_transition_matrix_counts_every_placement_of_both_years(reader_db):
    from tipdb import queries

    columns, rows = queries.run(reader_db, queries.get("transition_matrix"), {"from_year": "2019", "to_year": "2020"})
    cells = [dict(zip(columns, r)) for r in rows]
    assert sum(c["countries"] for c in cells if c["to_tier"] is not None) == 188
    assert sum(c["countries"] for c in cells if c["from_tier"] is not None) == 187
    # Vanuatu, placed for the first time in 2020, on Tier 2.
    assert next(c["countries"] for c in cells if c["from_tier"] is None and c["to_tier"] == "2") == 1
    tiers = {t for (t,) in reader_db.execute("SELECT tier FROM analytics.tiers")}
    assert {c["from_tier"] for c in cells} == tiers | {None}


# --- a file that breaks each rule ---------------------------------------------------------------------------

BREAKING = [
    # (file, rows, rule broken, year, iso3 named)
    ("special_lists.csv", "report_year,list,country,source\n2020,auto_downgrade_waiver,Namibia,{s}\n",
     "waiver_not_on_watch_list", 2020, "NAM"),
    ("special_lists.csv", "report_year,list,country,source\n2020,state_sponsored,Namibia,{s}\n",
     "state_sponsored_not_on_tier_3", 2020, "NAM"),
    ("special_lists.csv", "report_year,list,country,source\n2020,cspa,Netherlands Antilles,{s}\n",
     "listed_country_not_placed", 2020, "ANT"),
    ("tier_counts.csv", "report_year,tier,count,source\n2020,1,30,{s}\n",
     "tier_counts_vs_published", 2020, None),
    ("tier_placements.csv", "report_year,country,tier,source\n2020,Netherlands Antilles,2,{s}\n",
     "placements_vs_published_total", 2020, None),
    ("tier_counts.csv", "report_year,tier,count,source\n2020,3,20,\"{s} CONFLICT: 19 elsewhere\"\n",
     "published_count_in_conflict", 2020, None),
    ("special_watch_list_counts.csv", "report_year,special_watch_list,on_watch_list,moved_up,source\n2020,47,,,{s}\n",
     "special_watch_list_size", 2020, None),
    ("tier_placements.csv", "report_year,country,tier,source\n2021,Namibia,3,{s}\n",
     "tier_skipped", 2021, "NAM"),
    ("tier_conflicts.csv", "report_year,country,disputed_tier,source\n2020,Namibia,1,{s} -- NOT USED\n",
     "conflict_note_contradicts_placement", 2020, "NAM"),
]


@pytest.mark.parametrize("name,text,rule_id,year,iso3", BREAKING, ids=[b[2] for b in BREAKING])
def test_a_file_breaking_a_rule_is_caught(db, db_url, tmp_path, name, text, rule_id, year, iso3):
    assert (year, iso3) not in failed(check.run(db, year), rule_id)
    db.rollback()
    path = tmp_path / name
    path.write_text(text.format(s=SOURCE))
    load.load_files(db_url, [path])
    report = check.run(db, year)
    assert (year, iso3) in failed(report, rule_id)
    result = invoke(db_url, "--year", str(year))
    severity = rule(report, rule_id).severity
    assert result.exit_code == (65 if severity == "error" else 0), result.output
    assert f"FAILED        {severity:<7} {rule_id}" in result.stdout
    if iso3:
        assert f"({iso3})" in result.stdout


def _on_watch_list_2019_and_2020_not_2021(db) -> tuple[str, str]:
    """A country on the Watch List in 2019 and 2020 and not in 2021: a 2021 Watch List row makes a streak."""
    found = db.execute("""
        SELECT r.iso3, c.name FROM tip.ranking r JOIN tip.country c USING (iso3)
        WHERE r.report_year = 2020 AND r.tier_code = '2WL'
          AND EXISTS (SELECT FROM tip.ranking p WHERE p.iso3 = r.iso3 AND p.report_year = 2019 AND p.tier_code = '2WL')
          AND NOT EXISTS (SELECT FROM tip.ranking n WHERE n.iso3 = r.iso3 AND n.report_year = 2021 AND n.tier_code = '2WL')
        ORDER BY r.iso3 LIMIT 1""").fetchone()
    db.rollback()
    return found


def test_watch_list_streak_without_waiver_is_flagged(db, db_url, tmp_path):
    # A third consecutive Watch List year, 2021, for a country on it in 2019 and 2020 and not waived in 2021.
    iso3, name = _on_watch_list_2019_and_2020_not_2021(db)
    path = tmp_path / "tier_placements.csv"
    path.write_text(f"report_year,country,tier,source\n2021,{name},2WL,{SOURCE}\n")
    load.load_files(db_url, [path])
    [finding] = [f for f in rule(check.run(db, 2021), "watch_list_streak_without_waiver").failed if f["iso3"] == iso3]
    assert "consecutive reports since" in finding["detail"] and "no waiver" in finding["detail"]



# --- rules reading the derived tables (migration 0050) give the rows of their definitions on tip.ranking ------

def _core_definitions() -> dict[str, str]:
    """The views 0050 rewrote, as its rollback restores them (reading tip.ranking only), renamed into pg_temp."""
    import re

    from tipdb import paths

    text = (paths.schema_dir() / "0050_checks_read_derived.rollback.sql").read_text()
    renamed = re.sub(r"\btip\.(check_\w+|special_watch_list)\b(?!_count)", r"pg_temp.core_\1", text)
    return {m.group(1): m.group(0).replace("CREATE OR REPLACE VIEW", "CREATE TEMP VIEW", 1)
            for m in re.finditer(r"CREATE OR REPLACE VIEW pg_temp\.core_(\w+) AS.*?;\n", renamed, re.S)}


def _differences(conn) -> dict[str, int]:
    views = _core_definitions()
    assert {"check_year", "check_tier_skipped", "check_watch_list_streak_without_waiver", "special_watch_list"} <= set(views)
    for sql in views.values():
        conn.execute(sql)
    differ = {}
    for name in views:
        new, old = f"tip.{name}", f"pg_temp.core_{name}"
        differ[name] = conn.execute(
            f"SELECT (SELECT count(*) FROM (TABLE {new} EXCEPT ALL TABLE {old}) a)"
            f"     + (SELECT count(*) FROM (TABLE {old} EXCEPT ALL TABLE {new}) b)").fetchone()[0]
    return differ


def test_rules_reading_derived_tables_agree_with_their_definitions_on_the_placements(db, db_url, tmp_path):
    assert set(_differences(db).values()) == {0}
    db.rollback()
    # A load that moves placements (Tier 3 then Tier 1, a longer Watch List streak): the history and counts
    # the rules read are refreshed in the same load.
    iso3, name = _on_watch_list_2019_and_2020_not_2021(db)
    path = tmp_path / "tier_placements.csv"
    path.write_text(f"report_year,country,tier,source\n2021,Namibia,3,{SOURCE}\n2021,{name},2WL,{SOURCE}\n"
                    f"2022,Namibia,1,{SOURCE}\n")
    load.load_files(db_url, [path])
    differences = _differences(db)
    assert set(differences.values()) == {0}, differences
    assert (2022, "NAM") in failed(check.run(db, 2022), "tier_skipped")
    assert any(f["iso3"] == iso3 for f in rule(check.run(db, 2021), "watch_list_streak_without_waiver").failed)
