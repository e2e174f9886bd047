"""A matrix of bad inputs across every loadable file kind.

Each case must exit non-zero with a message naming file, line, column and value (where the
problem has them), suggest a fix where one is obvious, and leave every table exactly as it was.
"""

from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from tipdb.cli import main
from tipdb.errors import EXIT_DATAERR, EXIT_NOINPUT

from conftest import conninfo
from helpers import module_clone, table_checksums

RANKINGS = "report_year,country,tier,source\n"
REPORTS = "report_year,release_date,reporting_period_start,reporting_period_end,countries_ranked,source\n"
COUNTS = "report_year,tier,count,source\n"
CONFLICTS = "report_year,country,disputed_tier,source\n"
FINDINGS = "report_year,country,category,finding,source\n"
LISTS = "report_year,list,country,source\n"
ENFORCEMENT = ("report_year,data_year,prosecutions,prosecutions_labor,convictions,convictions_labor,"
               "victims_identified,victims_identified_labor,new_or_amended_legislation,source\n")
RULES = ("rule_id,effective_from_report_year,effective_to_report_year,consecutive_years_on_watch_list,"
         "max_waivers,waiver_years,summary,legal_source,source\n")
COUNTRIES = "iso3,name,region,subregion,source\n"
NAMES = "name_in_report,canonical_name,iso3\n"


@dataclass(frozen=True)
class Case:
    id: str
    content: str | bytes
    line: int | None
    column: str | None = None
    value: str | None = None
    says: str = ""
    file_name: str = "input.csv"


CASES = [
    # Tier placements: countries, tiers, years, keys.
    Case("unknown_country", RANKINGS + "2025,Atlantis,2,x\n", 2, "country", "Atlantis", "unknown country name"),
    Case("misspelled_country", RANKINGS + "2025,Namibiaa,2,x\n", 2, "country", "Namibiaa", "did you mean 'Namibia'?"),
    Case("official_new_spelling", RANKINGS + "2025,Türkiye,2,x\n", 2, "country", "Türkiye",
         "did you mean 'Turkey'? country_converter recognises the name"),
    Case("punctuation_slip", RANKINGS + "2025,Cote dIvoire,2,x\n", 2, "country", "Cote dIvoire", "Cote d'Ivoire"),
    Case("unknown_tier", RANKINGS + "2025,Albania,5,x\n", 2, "tier", "5", "unknown tier"),
    Case("tier_as_words", RANKINGS + "2025,Albania,Tier 3,x\n", 2, "tier", "Tier 3", "did you mean '3'?"),
    Case("tier_lower_case", RANKINGS + "2025,Albania,2wl,x\n", 2, "tier", "2wl", "did you mean '2WL'?"),
    Case("watch_list_words", RANKINGS + "2025,Albania,Tier 2 Watch List,x\n", 2, "tier", "Tier 2 Watch List", "'2WL'"),
    Case("duplicate_row", RANKINGS + "2025,Albania,2,x\n2025,Albania,2,x\n", 3, None, None, "repeats the key of line 2"),
    Case("duplicate_by_spelling", RANKINGS + "2025,Burma,3,x\n2025,MYANMAR,3,y\n", 3, None, None, "line 2"),
    Case("year_without_report", RANKINGS + "2027,Albania,2,x\n", 2, "report_year", "2027", "not the year of a report"),
    Case("year_before_2001", RANKINGS + "1999,Albania,2,x\n", 2, "report_year", "1999", "2001"),
    Case("year_as_words", RANKINGS + "twenty,Albania,2,x\n", 2, "report_year", "twenty", "not a whole number"),
    Case("year_with_decimals", RANKINGS + "2025.0,Albania,2,x\n", 2, "report_year", "2025.0", "not a whole number"),
    Case("missing_column", "report_year,country,source\n2025,Albania,x\n", 1, None, None, "missing tier"),
    Case("extra_column", "report_year,country,tier,source,note\n2025,Albania,2,x,y\n", 1, None, None,
         "unexpected note"),
    Case("reordered_columns", "country,report_year,tier,source\nAlbania,2025,2,x\n", 1, None, None, "wrong order"),
    Case("renamed_column", "year,country,tier,source\n2025,Albania,2,x\n", 1, None, None, "missing report_year"),
    Case("empty_file", "", 1, None, None, "the file is empty"),
    Case("blank_lines_only", "\n\n\n", 1, None, None, "the file is empty"),
    Case("header_only", RANKINGS, 1, None, None, "no data rows"),
    Case("semicolons", "report_year;country;tier;source\n2025;Albania;2;x\n", 1, None, None, "semicolons"),
    Case("tabs", "report_year\tcountry\ttier\tsource\n2025\tAlbania\t2\tx\n", 1, None, None, "tabs"),
    Case("quoted_newline_in_name", RANKINGS + '2025,"Nami\nbia",2,x\n2025,Albania,2,x\n', 2, "country", "Nami\nbia",
         "unknown country"),
    Case("latin1_bytes", RANKINGS.encode() + "2025,Côte d'Ivoire,2,x\n".encode("latin-1"), 2, None, None, "UTF-8"),
    Case("utf16_file", (RANKINGS + "2025,Albania,2,x\n").encode("utf-16"), 1, None, None, "UTF-8"),
    Case("very_long_field", RANKINGS + "2025,Albania,2," + "x" * 200_000 + "\n", 2, None, None, "field larger"),
    Case("empty_required", RANKINGS + "2025,Albania,2,\n", 2, "source", "", "empty but required"),
    Case("spaces_only_required", RANKINGS + "2025,Albania,   ,x\n", 2, "tier", "   ", "empty but required"),
    Case("too_few_fields", RANKINGS + "2025,Albania,2\n", 2, None, None, "has 3 fields, expected 4"),
    Case("unquoted_comma", RANKINGS + "2025,Korea, South,1,x\n", 2, None, None, "quote values that contain commas"),
    Case("unclosed_quote", RANKINGS + '2025,"Albania,2,x\n', 2, None, None, "not valid CSV"),
    Case("nul_byte", RANKINGS.encode() + b"2025,Alba\x00nia,2,x\n", 2, "country", "Alba\\0nia", "NUL byte"),
    Case("png_file", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", 1, None, None, "UTF-8"),
    Case("json_file", '[{"report_year": 2025, "country": "Albania"}]\n', 1, None, None,
         "not the header of any tipdb file kind (not shown)"),
    Case("password_file", "root:$6$salt$hash:19000:0:99999:7:::\n", 1, None, None, "(not shown)"),
    Case("superscript_year", RANKINGS + "²⁰²⁰,Namibia,1,x\n", 2, "report_year", "²⁰²⁰", "write the digits 0-9 only"),
    Case("arabic_indic_year", RANKINGS + "٢٠٢٠,Namibia,1,x\n", 2, "report_year", "٢٠٢٠", "write the digits 0-9 only"),
    Case("far_future_year", REPORTS + "2099,2099-06-01,,,,x\n", 2, "report_year", "2099", "report years run from 2001"),
    Case("huge_name", NAMES + "N" * 3000 + ",Namibia,NAM\n", 2, "name_in_report", None, "longer than 200 characters"),
    Case("huge_rule_id", RULES + "r" * 3000 + ",,,2,,1,a,law,x\n", 2, "rule_id", None, "longer than 200 characters"),
    Case("smallint_overflow", COUNTS + "2020,3,40000,x\n", 2, "count", "40000", "too large (at most 32,767)"),
    Case("rule_overflow", RULES + "r1,,,40000,,1,a,law,x\n", 2, "consecutive_years_on_watch_list", "40000",
         "too large"),
    # Conflicts, recognised by their header.
    Case("conflict_unknown_country", CONFLICTS + "2023,Congo (RDC),2,x\n", 2, "country", "Congo (RDC)",
         "unknown country"),
    # Reports.
    Case("us_style_date", REPORTS + "2026,06/25/2026,,,,x\n", 2, "release_date", "06/25/2026", "YYYY-MM-DD"),
    Case("impossible_date", REPORTS + "2026,2026-02-30,,,,x\n", 2, "release_date", "2026-02-30", "YYYY-MM-DD"),
    Case("period_backwards", REPORTS + "2026,2026-06-25,2026-03-31,2025-04-01,,x\n", 2, "reporting_period_end",
         "2025-04-01", "not after the start"),
    Case("period_half_given", REPORTS + "2026,2026-06-25,2025-04-01,,,x\n", 2, "reporting_period_end", None,
         "other end of the reporting period"),
    Case("release_in_wrong_year", REPORTS + "2026,2015-06-25,,,,x\n", 2, "release_date", "2015-06-25",
         "not in the report year"),
    Case("negative_count_of_countries", REPORTS + "2026,2026-06-25,,,-5,x\n", 2, "countries_ranked", "-5",
         "must not be negative"),
    Case("thousands_separator", REPORTS + '2026,2026-06-25,,,"1,188",x\n', 2, "countries_ranked", "1,188",
         "without thousands separators: 1188"),
    Case("count_too_large", REPORTS + "2026,2026-06-25,,,40000,x\n", 2, "countries_ranked", "40000", "too large"),
    Case("duplicate_report", REPORTS + "2026,2026-06-25,,,,x\n2026,2026-06-26,,,,y\n", 3, None, None, "repeats"),
    # Published tier counts.
    Case("count_as_words", COUNTS + "2020,3,nineteen,x\n", 2, "count", "nineteen", "not a whole number"),
    Case("count_negative", COUNTS + "2020,3,-19,x\n", 2, "count", "-19", "must not be negative"),
    Case("count_unknown_tier", COUNTS + "2020,4,19,x\n", 2, "tier", "4", "unknown tier"),
    # Findings.
    Case("unknown_category", FINDINGS + "2020,China,forced labour,text,x\n", 2, "category", "forced labour",
         "did you mean 'forced_labor'?"),
    Case("empty_finding", FINDINGS + "2020,China,other,,x\n", 2, "finding", "", "empty but required"),
    Case("finding_unknown_country", FINDINGS + "2020,Westeros,other,text,x\n", 2, "country", "Westeros",
         "All countries"),
    # Official lists.
    Case("list_code_case", LISTS + "2020,CSPA,Iran,x\n", 2, "list", "CSPA", "did you mean 'cspa'?"),
    Case("list_by_name", LISTS + "2020,Child Soldiers Prevention Act list,Iran,x\n", 2, "list",
         "Child Soldiers Prevention Act list", "did you mean 'cspa'?"),
    Case("list_duplicate", LISTS + "2020,cspa,Iran,x\n2020,cspa,IRAN,x\n", 3, None, None, "repeats"),
    # Enforcement figures.
    Case("labor_above_total", ENFORCEMENT + "2025,2024,100,500,,,,,,x\n", 2, "prosecutions_labor", "500",
         "larger than the total"),
    Case("data_year_after_report", ENFORCEMENT + "2025,2026,100,,,,,,,x\n", 2, "data_year", "2026",
         "not before the report year"),
    Case("enforcement_separators", ENFORCEMENT + '2025,2024,"5,682",,,,,,,x\n', 2, "prosecutions", "5,682",
         "5682"),
    Case("enforcement_negative", ENFORCEMENT + "2025,2024,-1,,,,,,,x\n", 2, "prosecutions", "-1", "negative"),
    # Watch List rules.
    Case("rule_years_backwards", RULES + "r2026,2026,2020,2,,1,text,law,x\n", 2, "effective_to_report_year",
         "2020", "before effective_from_report_year"),
    Case("rule_duplicate", RULES + "r1,,,2,,1,a,law,x\nr1,,,2,,1,b,law,x\n", 3, None, None, "repeats"),
    Case("rule_empty_summary", RULES + "r1,,,2,,1,,law,x\n", 2, "summary", "", "empty but required"),
    # Countries and their spellings.
    Case("iso3_lower_case", COUNTRIES + "nam,Namibia,Africa,Southern Africa,x\n", 2, "iso3", "nam", "use upper case: NAM"),
    Case("iso3_four_letters", COUNTRIES + "NAMI,Namibia,Africa,Southern Africa,x\n", 2, "iso3", "NAMI", "three capital"),
    Case("iso3_duplicate", COUNTRIES + "NAM,Namibia,Africa,X,x\nNAM,Namibia,Africa,X,x\n", 3, None, None, "repeats"),
    Case("spelling_unknown_code", NAMES + "Narnia,Narnia,ZZZ\n", 2, "iso3", "ZZZ", "unknown country code"),
    Case("spelling_wrong_canonical", NAMES + "Namibie,Namibie,NAM\n", 2, "canonical_name", "Namibie",
         "expected Namibia"),
    Case("spelling_case_twins", NAMES + "Namibie,Namibia,NAM\nNAMIBIE,Namibia,NAM\n", 3, "name_in_report", None,
         "letter case"),
]


def test_the_matrix_is_large_and_distinct():
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def matrix_db(tipdb_server):
    """One seeded clone for the whole matrix (a clone per case cost more than the cases themselves).

    Every case must leave it exactly as it was and checks that it did, so a case that changed it fails.
    """
    yield from module_clone(tipdb_server, "bad_input")


@pytest.fixture
def db(matrix_db):
    yield matrix_db
    matrix_db.rollback()


@pytest.fixture
def db_url(matrix_db) -> str:
    return conninfo(matrix_db.info.dbname)


@pytest.fixture(scope="module")
def seeded_checksums():
    """The matrix's database starts as a clone of the seeded template, so its checksums are computed once."""
    return {}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_precisely_and_changes_nothing(db, db_url, tmp_path, case, seeded_checksums):
    path = tmp_path / case.file_name
    path.write_bytes(case.content.encode() if isinstance(case.content, str) else case.content)
    if not seeded_checksums:
        seeded_checksums.update(table_checksums(db))
        db.rollback()
    before = seeded_checksums
    result = CliRunner().invoke(main, ["load", str(path)], env={"DATABASE_URL": db_url})
    assert result.exit_code == EXIT_DATAERR, result.output
    message = result.stderr
    assert "nothing was loaded" in message
    located = f"{path}:{case.line}" if case.line is not None else str(path)
    assert located in message
    if case.column is not None:
        assert f"column {case.column!r}" in message
    if case.value is not None:
        assert f"value {case.value!r}" in message
    assert case.says in message
    assert table_checksums(db) == before


@pytest.mark.parametrize("target", ["missing.csv", "."])
def test_paths_that_are_not_files(db_url, tmp_path, target):
    result = CliRunner().invoke(main, ["load", str(tmp_path / target)], env={"DATABASE_URL": db_url})
    assert result.exit_code == EXIT_NOINPUT
    assert str(tmp_path / target).rstrip("/.") in result.stderr
