"""The catalog of seed file kinds: which columns each CSV has, what they hold, which table they feed.

A file's kind is recognised by its header, so a user's new file needs no particular name.
The merge SQL that moves a kind's staged rows into its table is `sql/merge_<kind>.sql`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from tipdb.paths import seeds_dir

# Column types. Value checks (types, formats) happen in Python while streaming; reference
# checks (does this country, tier or report exist?) happen in SQL against the database.
YEAR = "year"  # a report year, which must exist in tip.report
NEW_YEAR = "new_year"  # a report year being defined
INTEGER = "integer"  # a non-negative whole number
DATE = "date"  # YYYY-MM-DD
TEXT = "text"
ISO3 = "iso3"  # an ISO 3166-1 alpha-3 code of a country in tip.country
NEW_ISO3 = "new_iso3"  # an ISO 3166-1 alpha-3 code being defined
COUNTRY = "country"  # any known spelling of a country name
COUNTRY_OR_ALL = "country_or_all"  # a country, or "All countries" for a report-wide statement
CATEGORY = "category"  # a finding category from tip.finding_category
LIST = "list"  # an official list code from tip.official_list
TIER = "tier"  # a tier code from tip.tier
SOURCE = "source"  # a citation


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = True
    sql_type: str = "text"


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # Needed only where two kinds share a header: the file name then decides.
    name_pattern: str | None = None
    # Whether its table feeds tip.ranking_history, which must then be refreshed after a change.
    feeds_history: bool = False

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def merge_sql(self) -> str:
        return (Path(__file__).parent / "sql" / f"merge_{self.name}.sql").read_text(encoding="utf-8")


def _year(name: str = "report_year") -> Column:
    return Column(name, YEAR, sql_type="smallint")


def _source() -> Column:
    return Column("source", SOURCE)


# In load order: a kind may refer only to kinds listed before it.
KINDS: tuple[Kind, ...] = (
    Kind(
        "countries",
        "tip.country",
        "countries with their ISO3 code and region (seeds/countries.csv, made by `tipdb seeds refresh`)",
        (
            Column("iso3", NEW_ISO3),
            Column("name", TEXT),
            Column("region", TEXT),
            Column("subregion", TEXT),
        ),
        key=("iso3",),
        feeds_history=True,
    ),
    Kind(
        "country_names",
        "tip.country_name",
        "every spelling of a country name, mapped to its ISO3 code",
        (Column("name_in_report", TEXT), Column("canonical_name", TEXT), Column("iso3", ISO3)),
        key=("name_in_report",),
    ),
    Kind(
        "reports",
        "tip.report",
        "one row per annual report: release date, reporting period, countries ranked",
        (
            Column("report_year", NEW_YEAR, sql_type="smallint"),
            Column("release_date", DATE, sql_type="date"),
            Column("reporting_period_start", DATE, required=False, sql_type="date"),
            Column("reporting_period_end", DATE, required=False, sql_type="date"),
            Column("countries_ranked", INTEGER, required=False, sql_type="smallint"),
            _source(),
        ),
        key=("report_year",),
        feeds_history=True,
    ),
    Kind(
        "rankings",
        "tip.ranking",
        "tier placements: one row per country per report year",
        (_year(), Column("country", COUNTRY), Column("tier", TIER), _source()),
        key=("report_year", "country"),
        feeds_history=True,
    ),
    Kind(
        "tier_counts",
        "tip.published_tier_count",
        "per-tier counts as published, for checking completeness",
        (_year(), Column("tier", TIER), Column("count", INTEGER, sql_type="integer"), _source()),
        key=("report_year", "tier", "source"),
        feeds_history=True,  # published counts decide which years are complete
    ),
    Kind(
        "tier_conflicts",
        "tip.ranking_conflict",
        "placements left out because sources disagree",
        (_year(), Column("country", COUNTRY), Column("tier", TIER), _source()),
        key=("report_year", "country", "tier", "source"),
        name_pattern="*conflict*.csv",
    ),
    Kind(
        "findings",
        "tip.finding",
        "findings: short paraphrases of what a report says, by country and category",
        (_year(), Column("country", COUNTRY_OR_ALL), Column("category", CATEGORY), Column("finding", TEXT),
         _source()),
        key=("report_year", "country", "category", "finding"),
    ),
    Kind(
        "list_memberships",
        "tip.list_membership",
        "countries on official lists (cspa, auto_downgrade_waiver, special_watch_list, state_sponsored)",
        (_year(), Column("list", LIST), Column("country", COUNTRY), _source()),
        key=("report_year", "list", "country", "source"),
    ),
    Kind(
        "enforcement",
        "tip.enforcement_stat",
        "global law-enforcement figures per report",
        (
            _year(),
            Column("data_year", NEW_YEAR, sql_type="smallint"),
            *(Column(name, INTEGER, required=False, sql_type="integer") for name in (
                "prosecutions", "prosecutions_labor", "convictions", "convictions_labor",
                "victims_identified", "victims_identified_labor", "new_or_amended_legislation")),
            _source(),
        ),
        key=("report_year",),
    ),
    Kind(
        "watch_list_rules",
        "tip.watch_list_rule",
        "versions of the Tier 2 Watch List rules of the law, with the report years they govern",
        (
            Column("rule_id", TEXT),
            Column("effective_from_report_year", NEW_YEAR, required=False, sql_type="smallint"),
            Column("effective_to_report_year", NEW_YEAR, required=False, sql_type="smallint"),
            Column("consecutive_years_on_watch_list", INTEGER, required=False, sql_type="integer"),
            Column("max_waivers", INTEGER, required=False, sql_type="integer"),
            Column("waiver_years", INTEGER, required=False, sql_type="integer"),
            Column("summary", TEXT),
            Column("legal_source", TEXT),
            _source(),
        ),
        key=("rule_id",),
    ),
)

KINDS_BY_NAME = {k.name: k for k in KINDS}

# The findings files mark a statement about every country this way.
ALL_COUNTRIES = "All countries"


def kind_for(header: tuple[str, ...], file_name: str) -> Kind | None:
    """The kind of a file with this header and name, or None if no kind has this header."""
    candidates = [k for k in KINDS if k.header == header]
    for kind in candidates:
        if kind.name_pattern and fnmatch.fnmatch(file_name.lower(), kind.name_pattern):
            return kind
    defaults = [k for k in candidates if k.name_pattern is None]
    return defaults[0] if defaults else None


def kind_order(kind: Kind) -> int:
    return KINDS.index(kind)


def seed_files() -> list[Path]:
    """Every CSV file in seeds/."""
    return sorted(seeds_dir().glob("*.csv"))
