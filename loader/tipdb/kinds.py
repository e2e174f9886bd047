"""One declaration per data kind: the only place that says what a loadable CSV file holds.

A kind names its table, its columns (CSV name, value type, SQL type of the table column it
feeds), its natural key and the row checks that only several columns together can show. From
it the loader generates everything else: the staging table, the value checks while streaming,
the reference and duplicate checks, and the upsert (`load.upsert_sql`). A test compares every
declaration with the database's catalog, so a declaration and its migration cannot drift.

Adding a kind = a migration creating its table + one `Kind(...)` below (see README, "Design").
"""

from __future__ import annotations

from dataclasses import dataclass

# Value types: how a CSV value is checked and what it becomes. A type with a `lookup` is stored
# as what the lookup finds (a country spelling becomes an ISO3 code, a citation a source id).


@dataclass(frozen=True, eq=False)  # compared by identity: each type is one object
class ValueType:
    name: str
    # The table that must already hold the value, with the column matched (reference check in SQL),
    # and what a value it does not hold is called.
    references: tuple[str, str] | None = None
    unknown: str = ""
    # SQL giving (candidate, value to suggest) pairs for "did you mean" hints.
    suggestions: str | None = None

    @property
    def is_country(self) -> bool:
        """Stored as the ISO3 code that tip.country_name gives the spelling (case-insensitive)."""
        return self.references == ("tip.country_name", "name")


_SPELLINGS = "SELECT n.name, c.name FROM tip.country_name n JOIN tip.country c USING (iso3)"
YEAR = ValueType("year", ("tip.report", "report_year"), "is not the year of a report in the database",
                 "SELECT report_year::text, report_year::text FROM tip.report")
NEW_YEAR = ValueType("new_year")  # a report year being defined: 2001 to next year
WHOLE_NUMBER = ValueType("whole_number")  # 0 or more, digits 0-9 only
DATE = ValueType("date")  # YYYY-MM-DD
TEXT = ValueType("text")
ISO3 = ValueType("iso3", ("tip.country", "iso3"), "unknown country code", "SELECT iso3, iso3 FROM tip.country")
NEW_ISO3 = ValueType("new_iso3")  # an ISO 3166-1 alpha-3 code being defined
COUNTRY = ValueType("country", ("tip.country_name", "name"), "unknown country name", _SPELLINGS)
COUNTRY_OR_ALL = ValueType("country_or_all", ("tip.country_name", "name"),
                           "unknown country name (write 'All countries' for a report-wide finding)", _SPELLINGS)
CATEGORY = ValueType("category", ("tip.finding_category", "category"), "unknown finding category",
                     "SELECT category, category FROM tip.finding_category "
                     "UNION ALL SELECT label, category FROM tip.finding_category")
LIST = ValueType("list", ("tip.official_list", "list_code"), "unknown official list",
                 "SELECT list_code, list_code FROM tip.official_list "
                 "UNION ALL SELECT name, list_code FROM tip.official_list")
TIER = ValueType("tier", ("tip.tier", "tier_code"), "unknown tier",
                 "SELECT tier_code, tier_code FROM tip.tier UNION ALL SELECT label, tier_code FROM tip.tier")
SOURCE = ValueType("source")  # a citation; stored as the tip.source row it names

# The findings files mark a statement about every country this way.
ALL_COUNTRIES = "All countries"


@dataclass(frozen=True)
class Column:
    name: str  # as in the CSV header
    type: ValueType
    sql_type: str = "text"  # the staging type, equal to the type of the table column it feeds
    required: bool = True
    target: str | None = None  # the table column it feeds, when named differently
    max_length: int | None = None  # for text that a unique index holds (btree entries are bounded)
    checked_only: bool = False  # checked against the database, not stored
    case_insensitive: bool = False  # as a key, "Burma" and "BURMA" are the same value

    @property
    def stored_as(self) -> str | None:
        """The table column this CSV column ends up in, after lookups; None if not stored."""
        if self.checked_only:
            return None
        if self.type.is_country:
            return "iso3"
        if self.type == SOURCE:
            return "source_id"
        return self.target or self.name


@dataclass(frozen=True)
class RowCheck:
    """A rule several columns of one row (or the database) must meet; mirrors a table CHECK.

    `violated` is an SQL condition over the staged row (aliased `s`); `expected` an SQL text
    expression shown as the fix.
    """

    column: str
    violated: str
    message: str
    expected: str


@dataclass(frozen=True)
class Kind:
    name: str
    table: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # CSV columns that identify a row; spellings of one country count as one
    # ON CONFLICT target when it is not the key's columns (an expression or a constraint); every
    # stored column may then change, the key's too (a spelling's letter case, say).
    conflict: str | None = None
    unique: tuple[str, ...] = ()  # other columns whose values the table holds once (checked like the key)
    checks: tuple[RowCheck, ...] = ()
    # SQL run before the upsert, e.g. adding new regions to their lookup table.
    prepare: str | None = None
    # Whether its table feeds tip.ranking_history, which is then recomputed for the countries touched.
    feeds_history: bool = False
    # Compiled files of this kind that carry another kind's header (file name, that kind's name); only
    # `tipdb seeds refresh` reads this, to give them this kind's header. Loading goes by header alone.
    compiled_files: tuple[tuple[str, str], ...] = ()

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _year(name: str = "report_year") -> Column:
    return Column(name, YEAR, "smallint")


def _count(name: str, sql_type: str, required: bool = False) -> Column:
    return Column(name, WHOLE_NUMBER, sql_type, required=required)


_KEY_TEXT = 200  # longest name or identifier accepted (a btree entry holds about 2,700 bytes)
SOURCE_COLUMN = Column("source", SOURCE)


def _country(type_: ValueType = COUNTRY) -> Column:
    return Column("country", type_, max_length=_KEY_TEXT)


# In load order: a kind may refer only to kinds listed before it.
KINDS: tuple[Kind, ...] = (
    Kind(
        "countries", "tip.country",
        "countries with their ISO3 code, region and the source of the region",
        (Column("iso3", NEW_ISO3), Column("name", TEXT, max_length=_KEY_TEXT),
         Column("region", TEXT, max_length=_KEY_TEXT), Column("subregion", TEXT), SOURCE_COLUMN),
        key=("iso3",),
        unique=("name",),
        prepare="INSERT INTO tip.region (region) SELECT DISTINCT region FROM pg_temp.stage ON CONFLICT DO NOTHING",
        feeds_history=True,
    ),
    Kind(
        "country_names", "tip.country_name",
        "every spelling of a country name, mapped to its ISO3 code",
        (Column("name_in_report", TEXT, target="name", max_length=_KEY_TEXT, case_insensitive=True),
         Column("canonical_name", TEXT, checked_only=True), Column("iso3", ISO3)),
        key=("name_in_report",),
        conflict="((lower(name)))",  # the table holds a spelling once whatever its letter case
        checks=(RowCheck("canonical_name",
                         "s.canonical_name <> (SELECT c.name FROM tip.country c WHERE c.iso3 = s.iso3)",
                         "does not match the country's name for this ISO3 code",
                         "(SELECT c.name FROM tip.country c WHERE c.iso3 = s.iso3)"),),
    ),
    Kind(
        "country_patterns", "tip.country_name_pattern",
        "country_converter's regular expression for each country's names (seeds/country_patterns.csv, "
        "made by `tipdb seeds refresh`)",
        (Column("iso3", ISO3), Column("pattern", TEXT, max_length=2000), SOURCE_COLUMN),
        key=("iso3",),  # an invalid expression is refused by the table's CHECK
    ),
    Kind(
        "reports", "tip.report",
        "one row per annual report: release date, reporting period, countries ranked",
        (Column("report_year", NEW_YEAR, "smallint"), Column("release_date", DATE, "date"),
         Column("reporting_period_start", DATE, "date", required=False),
         Column("reporting_period_end", DATE, "date", required=False),
         _count("countries_ranked", "smallint"), SOURCE_COLUMN),
        key=("report_year",),
        checks=(
            RowCheck("reporting_period_end", "s.reporting_period_end <= s.reporting_period_start",
                     "is not after the start of the reporting period", "'a date after reporting_period_start'"),
            RowCheck("reporting_period_end", "(s.reporting_period_start IS NULL) <> (s.reporting_period_end IS NULL)",
                     "is empty while the other end of the reporting period is given", "'both dates or neither'"),
            RowCheck("release_date",
                     "extract(year FROM s.release_date) NOT BETWEEN s.report_year AND s.report_year + 1",
                     "is not in the report year", "'a date in ' || s.report_year || ' or the year after'"),
            RowCheck("countries_ranked", "s.countries_ranked = 0", "must be more than 0", "'a count of 1 or more'"),
        ),
        feeds_history=True,
    ),
    Kind(
        "rankings", "tip.ranking",
        "tier placements: one row per country per report year",
        (_year(), _country(), Column("tier", TIER, target="tier_code"), SOURCE_COLUMN),
        key=("report_year", "country"),
        feeds_history=True,
    ),
    Kind(
        "tier_counts", "tip.published_tier_count",
        "per-tier counts as published, for checking completeness",
        (_year(), Column("tier", TIER, target="tier_code"), _count("count", "smallint", required=True),
         SOURCE_COLUMN),
        key=("report_year", "tier", "source"),
        feeds_history=True,  # published counts decide which years are complete
    ),
    Kind(
        "tier_conflicts", "tip.ranking_conflict",
        "placements left out because sources disagree",
        (_year(), _country(), Column("disputed_tier", TIER, target="tier_code"), SOURCE_COLUMN),
        key=("report_year", "country", "disputed_tier", "source"),
        compiled_files=(("tier_conflicts.csv", "rankings"),),
    ),
    Kind(
        "special_watch_list_counts", "tip.special_watch_list_count",
        "the published size of each report's Special Watch List, with its parts where stated",
        (_year(), _count("special_watch_list", "smallint", required=True), _count("on_watch_list", "smallint"),
         _count("moved_up", "smallint"), SOURCE_COLUMN),
        key=("report_year",),
        checks=(RowCheck("special_watch_list",
                         "s.special_watch_list < coalesce(s.on_watch_list, 0) + coalesce(s.moved_up, 0)",
                         "is smaller than on_watch_list plus moved_up",
                         "'at least ' || (coalesce(s.on_watch_list, 0) + coalesce(s.moved_up, 0))"),),
    ),
    Kind(
        "findings", "tip.finding",
        "findings: short paraphrases of what a report says, by country and category",
        (_year(), _country(COUNTRY_OR_ALL), Column("category", CATEGORY),
         Column("finding", TEXT, target="summary"), SOURCE_COLUMN),
        key=("report_year", "country", "category", "finding"),
        conflict="ON CONSTRAINT finding_natural_key",
    ),
    Kind(
        "list_memberships", "tip.list_membership",
        "countries on official lists (cspa, auto_downgrade_waiver, special_watch_list, state_sponsored)",
        (_year(), Column("list", LIST, target="list_code"), _country(), SOURCE_COLUMN),
        key=("report_year", "list", "country", "source"),
        feeds_history=True,  # tip.list_placement (each membership's placement) is kept by the same refresh
    ),
    Kind(
        "enforcement", "tip.enforcement_stat",
        "global law-enforcement figures per report",
        (_year(), Column("data_year", NEW_YEAR, "smallint"),
         *(_count(name, "integer") for name in (
             "prosecutions", "prosecutions_labor", "convictions", "convictions_labor",
             "victims_identified", "victims_identified_labor", "new_or_amended_legislation")),
         SOURCE_COLUMN),
        key=("report_year",),
        checks=(
            *(RowCheck(part, f"s.{part} > s.{whole}", "is larger than the total it is part of",
                       f"'at most {whole} (' || s.{whole} || ')'")
              for part, whole in (("prosecutions_labor", "prosecutions"), ("convictions_labor", "convictions"),
                                  ("victims_identified_labor", "victims_identified"))),
            RowCheck("data_year", "s.data_year >= s.report_year", "is not before the report year",
                     "'a year before ' || s.report_year"),
        ),
    ),
    Kind(
        "watch_list_rules", "tip.watch_list_rule",
        "versions of the Tier 2 Watch List rules of the law, with the report years they govern",
        (Column("rule_id", TEXT, max_length=_KEY_TEXT),
         Column("effective_from_report_year", NEW_YEAR, "smallint", required=False),
         Column("effective_to_report_year", NEW_YEAR, "smallint", required=False),
         _count("consecutive_years_on_watch_list", "smallint"), _count("max_waivers", "smallint"),
         _count("waiver_years", "smallint"), Column("summary", TEXT), Column("legal_source", TEXT), SOURCE_COLUMN),
        key=("rule_id",),
        checks=(
            RowCheck("effective_to_report_year", "s.effective_to_report_year < s.effective_from_report_year",
                     "is before effective_from_report_year", "'a year from ' || s.effective_from_report_year"),
            RowCheck("rule_id", "s.rule_id !~ '^[A-Za-z0-9_]+$'", "is not an identifier",
                     "'letters, digits and underscores only'"),
            *(RowCheck(name, f"s.{name} = 0", "must be more than 0", "'1 or more'")
              for name in ("consecutive_years_on_watch_list", "waiver_years")),
        ),
    ),
)

BY_NAME = {k.name: k for k in KINDS}


def for_header(header: tuple[str, ...]) -> Kind | None:
    """The kind whose header this is, or None."""
    return next((k for k in KINDS if k.header == header), None)


def load_order(kind: Kind) -> int:
    return KINDS.index(kind)
