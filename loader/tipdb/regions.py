"""Classifying countries into regions with country_converter, for seeds/countries.csv.

Run only when seeds are refreshed (`tipdb seeds refresh`), never at load time:
country_converter needs pandas, which is slow to import and not a run-time dependency.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

from tipdb.errors import MissingExtra, TipdbError

COUNTRY_COLUMNS = ("iso3", "name", "region", "subregion", "source")
_NOT_FOUND = "\0not found"


def classify(iso3_codes: list[str]) -> dict[str, tuple[str, str]]:
    """Map each ISO3 code to (continent, UN M49 sub-region) as country_converter classifies it."""
    try:
        import country_converter
    except ImportError as exc:
        raise MissingExtra("regions", "regions") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        converter = country_converter.CountryConverter()
        # With not_found=None country_converter hands back the code itself: use a value no region has.
        continents = converter.convert(iso3_codes, src="ISO3", to="continent", not_found=_NOT_FOUND)
        subregions = converter.convert(iso3_codes, src="ISO3", to="UNregion", not_found=_NOT_FOUND)
    if len(iso3_codes) == 1:
        continents, subregions = [continents], [subregions]
    return {code: (c, s) for code, c, s in zip(iso3_codes, continents, subregions)
            if _NOT_FOUND not in (c, s) and c and s}


def _citation(what: str = "'continent' and 'UNregion' (UN M49 sub-region) classifications of the ISO3 code") -> str:
    from importlib.metadata import version

    return f"country_converter {version('country_converter')} (https://github.com/IndEcol/country_converter): {what}"


def read_countries(countries_csv: Path) -> list[dict[str, str]]:
    with countries_csv.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def countries_rows(country_names_csv: Path, given: list[dict[str, str]] = ()) -> list[dict[str, str]]:
    """One row per ISO3 code of country_names.csv: its canonical name and regions, from `given`
    (rows with their own source) or else classified by country_converter.

    Raises if country_converter cannot classify a code: a region is never guessed.
    """
    with country_names_csv.open(encoding="utf-8-sig", newline="") as handle:
        names = {row["iso3"]: row["canonical_name"] for row in csv.DictReader(handle)}
    known = {row["iso3"]: row for row in given}
    codes = sorted(set(names) - set(known))
    regions = classify(codes)
    unclassified = [code for code in codes if code not in regions]
    if unclassified:
        raise TipdbError(f"country_converter has no region for: {', '.join(unclassified)}; "
                         "a region is never guessed: give it with its source in a countries file "
                         "(like historical_countries.csv), or leave the code out")
    source = _citation()
    classified = [
        {"iso3": code, "name": names[code], "region": regions[code][0], "subregion": regions[code][1],
         "source": source}
        for code in codes
    ]
    return sorted(classified + [known[code] for code in set(names) & set(known)], key=lambda row: row["iso3"])


def write_csv(target: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


PATTERN_COLUMNS = ("iso3", "pattern", "source")


def write_patterns(iso3_codes: set[str], target: Path) -> None:
    """country_converter's name pattern of each code it knows, in PostgreSQL's regular expression syntax."""
    try:
        import country_converter
    except ImportError as exc:
        raise MissingExtra("regions", "regions") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = country_converter.CountryConverter().data
    patterns = dict(zip(data["ISO3"], data["regex"]))
    source = _citation("its 'regex' column, the expression it recognises a country's names by")
    write_csv(target, PATTERN_COLUMNS, [{"iso3": code, "pattern": patterns[code].replace("\\b", "\\y"), "source": source}
                                        for code in sorted(iso3_codes) if code in patterns])
