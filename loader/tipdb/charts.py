"""Charts drawn from the canned queries: a country's path through the tiers, the tier mix per
report year, and the transitions between two reports. PNG or SVG, readable in grayscale.

Needs the optional extra `tipdb[charts]` (matplotlib).
"""

from __future__ import annotations

from pathlib import Path

from tipdb import queries
from tipdb.errors import MissingExtra

# Top to bottom, as the report ranks them; Special Case sits apart, below the scale.
TIER_ROWS = {"1": 0, "2": 1, "2WL": 2, "3": 3, "special_case": 4.5}
TIER_LABELS = {"1": "Tier 1", "2": "Tier 2", "2WL": "Tier 2 Watch List", "3": "Tier 3", "special_case": "Special Case"}
# Grayscale-safe: every series differs by marker and line style as well as by shade.
STYLES = [("o", "-", "0.0"), ("s", "--", "0.35"), ("^", ":", "0.55"), ("D", "-.", "0.2"), ("v", "-", "0.45")]
HATCHES = {"1": "", "2": "..", "2WL": "//", "3": "xx", "special_case": "--"}
SHADES = {"1": "0.95", "2": "0.75", "2WL": "0.55", "3": "0.25", "special_case": "0.85"}
SOURCE_NOTE = "Source: tipdb, from U.S. State Department TIP Reports as compiled in seeds/ (see SOURCES.md)"


def _figure(width: float, height: float):
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingExtra("charts", "charts") from exc
    matplotlib.rcParams["svg.fonttype"] = "none"  # keep text as text: searchable, testable
    return Figure(figsize=(width, height), layout="constrained")


def _credit(figure) -> None:
    # A figure-level label, so the layout engine keeps room for it below the axes.
    figure.supxlabel(SOURCE_NOTE, x=0.01, ha="left", fontsize=7, color="0.3")


def _save(figure, path: Path) -> Path:
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"{path}: charts are written as .png or .svg")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=150)
    return path


def _rows(conn, name: str, **params) -> list[dict]:
    columns, rows = queries.run(conn, queries.get(name), {k: str(v) for k, v in params.items() if v is not None})
    return [dict(zip(columns, row)) for row in rows]


def _runs(points: list[tuple[int, str]], years: list[int]) -> list[list[tuple[int, str]]]:
    """Split a history where a report has no placement, so gaps stay gaps."""
    runs, current = [], []
    placed = dict(points)
    for year in years:
        if year in placed:
            current.append((year, placed[year]))
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def history(conn, countries: list[str], path: Path) -> Path:
    """Step chart of each country's tier in every report, one panel per country."""
    years = [r["report_year"] for r in _rows(conn, "coverage")]
    figure = _figure(10, 1.2 + 2.2 * len(countries))
    axes = figure.subplots(len(countries), 1, sharex=True, squeeze=False)[:, 0]
    for number, (axis, country) in enumerate(zip(axes, countries)):
        rows = _rows(conn, "country_history", country=country)
        name = rows[0]["country"] if rows else country
        marker, line, shade = STYLES[number % len(STYLES)]
        for run in _runs([(r["report_year"], r["tier"]) for r in rows], years):
            xs = [year for year, _ in run]
            ys = [TIER_ROWS[tier] for _, tier in run]
            axis.step(xs, ys, where="mid", linestyle=line, color=shade, linewidth=2)
            axis.plot(xs, ys, linestyle="none", marker=marker, color=shade, markersize=6)
        axis.set_yticks(list(TIER_ROWS.values()), list(TIER_LABELS.values()))
        axis.set_ylim(5.0, -0.5)
        axis.set_title(f"{name}: tier in each TIP Report", loc="left", fontsize=11)
        axis.grid(axis="x", color="0.9")
    axes[-1].set_xticks(years, [str(y) for y in years], rotation=90)
    axes[-1].set_xlabel(f"Report year ({years[0]}–{years[-1]}); gaps: no placement loaded for that report")
    _credit(figure)
    return _save(figure, path)


def tier_mix(conn, path: Path, region: str | None = None, shares: bool = False) -> Path:
    """Stacked placements per tier for each report year; incomplete years are marked."""
    # One row per report year and tier, tiers in their order (the query reads them from tip.tier).
    rows = _rows(conn, "tier_counts_by_year", region=region)
    coverage = {r["report_year"]: r for r in _rows(conn, "coverage")}
    years = list(dict.fromkeys(r["report_year"] for r in rows))
    tiers = list(dict.fromkeys((r["tier"], r["tier_label"]) for r in rows))
    placed = {(r["report_year"], r["tier"]): r["placements"] for r in rows}
    totals = {r["report_year"]: float(r["total"]) or 1.0 for r in rows}
    figure = _figure(11, 5.5)
    axis = figure.subplots()
    bottom = [0.0] * len(years)
    for tier, label in tiers:
        values = [placed[year, tier] / (totals[year] if shares else 1) * (100 if shares else 1) for year in years]
        axis.bar(years, values, bottom=bottom, color=SHADES[tier], hatch=HATCHES[tier], edgecolor="0.2",
                 label=label)
        bottom = [b + v for b, v in zip(bottom, values)]
    for year, height in zip(years, bottom):
        if coverage[year]["complete"] is not True:
            axis.annotate("incomplete" if coverage[year]["complete"] is False else "unverified",
                          (year, height), textcoords="offset points", xytext=(0, 3), rotation=90,
                          ha="center", va="bottom", fontsize=7, color="0.2")
    what = "Share of placements (%)" if shares else "Countries placed"
    axis.set_ylabel(what)
    axis.set_xticks(years, [str(y) for y in years], rotation=90)
    axis.set_xlabel(f"Report year ({years[0]}–{years[-1]})")
    scope = f"{region}: tier mix" if region else "Tier mix"
    axis.set_title(f"{scope} per TIP Report; 'incomplete' years lack sourced placements, "
                   "so their changes are not real changes", loc="left", fontsize=10)
    axis.legend(loc="upper left", fontsize=8, ncols=5)
    axis.set_ylim(0, max(bottom) * 1.25 if bottom else 1)
    _credit(figure)
    return _save(figure, path)


def transitions(conn, from_year: int, to_year: int, path: Path) -> Path:
    """Heat map of the transition matrix between two reports."""
    rows = _rows(conn, "transition_matrix", from_year=from_year, to_year=to_year)
    targets = ["to_tier_1", "to_tier_2", "to_tier_2_watch_list", "to_tier_3", "to_special_case",
               "to_no_placement"]
    labels = ["Tier 1", "Tier 2", "Tier 2 WL", "Tier 3", "Special Case", "no placement"]
    matrix = [[r[t] for t in targets] for r in rows]
    figure = _figure(8, 5.5)
    axis = figure.subplots()
    image = axis.imshow(matrix, cmap="Greys")
    peak = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            axis.text(j, i, str(value), ha="center", va="center", color="white" if value > peak / 2 else "black")
    axis.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axis.set_yticks(range(len(rows)), [TIER_LABELS[r["from_tier"]] for r in rows])
    axis.set_xlabel(f"Placement in the {to_year} report")
    axis.set_ylabel(f"Placement in the {from_year} report")
    axis.set_title(f"Tier transitions, {from_year} to {to_year} TIP Report", loc="left")
    figure.colorbar(image, ax=axis, label="countries")
    _credit(figure)
    return _save(figure, path)
