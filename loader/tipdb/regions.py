"""Classifying countries into regions with country_converter, for seeds/countries.csv.

Run only when seeds are refreshed (`tipdb seeds refresh`), never at load time:
country_converter needs pandas, which is slow to import and not a run-time dependency.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

from tipdb.errors import MissingExtra, TipdbError

COUNTRY_COLUMNS = ("iso3", "name", "region", "subregion")


def classify(iso3_codes: list[str]) -> dict[str, tuple[str, str]]:
    """Map each ISO3 code to (continent, UN M49 sub-region) as country_converter classifies it."""
    try:
        import country_converter
    except ImportError as exc:
        raise MissingExtra("regions", "regions") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        converter = country_converter.CountryConverter()
        continents = converter.convert(iso3_codes, src="ISO3", to="continent", not_found=None)
        subregions = converter.convert(iso3_codes, src="ISO3", to="UNregion", not_found=None)
    if len(iso3_codes) == 1:
        continents, subregions = [continents], [subregions]
    return {code: (c, s) for code, c, s in zip(iso3_codes, continents, subregions) if c and s}


def countries_rows(country_names_csv: Path) -> list[dict[str, str]]:
    """One row per ISO3 code of country_names.csv: its canonical name and regions.

    Raises if country_converter cannot classify a code: a region is never guessed.
    """
    with country_names_csv.open(encoding="utf-8-sig", newline="") as handle:
        names = {row["iso3"]: row["canonical_name"] for row in csv.DictReader(handle)}
    codes = sorted(names)
    regions = classify(codes)
    unclassified = [code for code in codes if code not in regions]
    if unclassified:
        raise TipdbError(f"country_converter has no region for: {', '.join(unclassified)}; "
                         "a region is never guessed, so add the code to country_converter's data or leave it out")
    return [
        {"iso3": code, "name": names[code], "region": regions[code][0], "subregion": regions[code][1]}
        for code in codes
    ]


def write_countries(country_names_csv: Path, target: Path) -> int:
    rows = countries_rows(country_names_csv)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COUNTRY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
