"""Charts drawn from the analytics views and canned queries: a country's path through the tiers, the tier
mix per report year, and the transitions between two reports. PNG or SVG, readable in grayscale.

Every chart shows doubt where it draws the data: years whose placements are incomplete (fewer loaded
than the report made) or unverified (no published total to check against) are shaded and hatched, with
a legend entry and a note on the chart saying what each mark means; derived placements are drawn
hollow, read ones filled. Tiers, their order and labels come from analytics.tiers, never from a copy.
SVG artists carry ids (`gid`) naming what they stand for, so tests can read what was drawn.

Needs the optional extra `tipdb[charts]` (matplotlib).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tipdb import queries
from tipdb.errors import MissingExtra, QueryProblem
from tipdb.suggest import did_you_mean

FORMATS = (".png", ".svg")
# A history chart has one panel per country; past this many it is unreadable.
MAX_HISTORY_COUNTRIES = 12
# Grayscale-safe series styles, and fills for the tiers in their order: shade and hatch both differ.
STYLES = [("o", "-", "0.0"), ("s", "--", "0.35"), ("^", ":", "0.55"), ("D", "-.", "0.2"), ("v", "-", "0.45")]
TIER_FILLS = [("0.95", ""), ("0.75", ".."), ("0.55", "//"), ("0.25", "xx"), ("0.85", "--"), ("0.65", "oo")]
# How a year's completeness is marked: (legend label, band shade, band hatch).
DOUBT = {
    False: ("incomplete year: fewer placements loaded than the report made", "0.80", "\\\\\\\\"),
    None: ("unverified year: no published total to check completeness against", "0.90", "...."),
}
DOUBT_NOTE = ("Incomplete: the report placed more countries than tipdb has sourced placements for, so counts "
              "are too low and changes into or out of such a year may not be real. Unverified: no published "
              "total or tier counts were found for the report, so its completeness cannot be checked. "
              "See `tipdb query coverage` and `tipdb check`.")
# Why a country has no point in a year, by marker: the year is doubtful, or it was simply not in the report.
GAP_MARKERS = {"incomplete year": "x", "unverified year": "+", "not in the report": "|", "not yet in the reports": "|"}
SOURCE_NOTE = "Source: tipdb, from U.S. State Department TIP Reports as compiled in seeds/ (see SOURCES.md)"


class ChartProblem(QueryProblem):
    """A chart cannot be drawn as asked (too many countries, an unsupported file type)."""


def _figure(width: float, height: float):
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise MissingExtra("charts", "charts") from exc
    matplotlib.rcParams["svg.fonttype"] = "none"  # keep text as text: searchable, testable
    matplotlib.rcParams["hatch.linewidth"] = 0.6
    return Figure(figsize=(width, height), layout="constrained")


def _credit(figure, note: str | None = None) -> None:
    # A figure-level label, so the layout engine keeps room for it below the axes.
    text = SOURCE_NOTE if not note else "\n".join(textwrap.wrap(note, 170)) + "\n" + SOURCE_NOTE
    figure.supxlabel(text, x=0.01, ha="left", fontsize=7, color="0.3")


def check_output(path: Path) -> None:
    """Refuse a file type the charts cannot be written as, before any work is done."""
    if path.suffix.lower() not in FORMATS:
        raise ChartProblem(f"{path}: charts are written as {' or '.join(FORMATS)}; "
                           f"choose an output name ending in one of them")


def _save(figure, path: Path) -> Path:
    check_output(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=150)
    return path


def _rows(conn, name: str, **params) -> list[dict]:
    columns, rows = queries.run(conn, queries.get(name), {k: str(v) for k, v in params.items() if v is not None})
    return [dict(zip(columns, row)) for row in rows]


def _select(conn, sql: str, params: dict | None = None) -> list[dict]:
    cursor = conn.execute(sql, params or {})
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


def tiers(conn) -> list[dict]:
    """The tiers in report order, with the row each takes on a history chart (unranked ones set apart)."""
    rows = _select(conn, "SELECT tier, tier_label, tier_ordinal, is_ranked FROM analytics.tiers ORDER BY tier_ordinal")
    for number, row in enumerate(rows):
        row["row"] = number + (0.5 if not row["is_ranked"] else 0)
    return rows


def coverage(conn) -> dict[int, dict]:
    return {r["report_year"]: r for r in _rows(conn, "coverage")}


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


def _shade_doubtful_years(axis, cover: dict[int, dict], years: list[int], labelled: set) -> None:
    """A hatched band behind every incomplete or unverified year, labelled once for the legend."""
    for year in years:
        state = cover[year]["complete"]
        if state is True:
            continue
        label, shade, hatch = DOUBT[state]
        band = axis.axvspan(year - 0.5, year + 0.5, facecolor=shade, hatch=hatch, edgecolor="0.55", linewidth=0,
                            zorder=0, label=None if label in labelled else label)
        band.set_gid(f"{'incomplete' if state is False else 'unverified'}-{year}")
        labelled.add(label)


def gap_reason(state: bool | None) -> str:
    """Why a country has no point in a report year, from that year's completeness."""
    if state is True:
        return "not in the report"
    return "incomplete year" if state is False else "unverified year"


def history(conn, countries: list[str], path: Path) -> Path:
    """Step chart of each country's tier in every report, one panel per country."""
    check_output(path)
    if len(countries) > MAX_HISTORY_COUNTRIES:
        raise ChartProblem(f"a history chart draws at most {MAX_HISTORY_COUNTRIES} countries, one panel each; "
                           f"{len(countries)} were given: split them over several charts")
    cover = coverage(conn)
    years = sorted(cover)
    tier_rows = tiers(conn)
    row_of = {t["tier"]: t["row"] for t in tier_rows}
    bottom = max(row_of.values()) + 0.6
    figure = _figure(10, 1.6 + 2.3 * len(countries))
    axes = figure.subplots(len(countries), 1, sharex=True, squeeze=False)[:, 0]
    labelled: set = set()
    for number, (axis, country) in enumerate(zip(axes, countries)):
        rows = _rows(conn, "country_history", country=country)
        name = rows[0]["country"] if rows else country
        marker, line, shade = STYLES[number % len(STYLES)]
        _shade_doubtful_years(axis, cover, years, labelled)
        for run in _runs([(r["report_year"], r["tier"]) for r in rows], years):
            axis.step([y for y, _ in run], [row_of[t] for _, t in run], where="mid", linestyle=line, color=shade,
                      linewidth=2, zorder=2)
        for row in rows:
            derived = row["verification"] == "derived"
            label = ("placement derived from other statements (hollow)" if derived
                     else "placement read in a source (filled)")
            point = axis.plot([row["report_year"]], [row_of[row["tier"]]], linestyle="none", marker=marker,
                              markersize=7, color=shade, markerfacecolor="white" if derived else shade,
                              markeredgewidth=1.5, zorder=3, label=None if label in labelled else label)[0]
            point.set_gid(f"point-{row['report_year']}-{row['tier']}-{row['verification']}")
            labelled.add(label)
        placed = {r["report_year"] for r in rows}
        first = min(placed) if placed else None
        for year in years:
            if year in placed:
                continue
            reason = gap_reason(cover[year]["complete"])
            if first is not None and year < first and reason == "not in the report":
                reason = "not yet in the reports"
            label = f"no placement: {reason}"
            gap = axis.plot([year], [bottom], linestyle="none", marker=GAP_MARKERS[reason], markersize=6,
                            color="0.3", zorder=3,
                            label=None if label in labelled else label)[0]
            gap.set_gid(f"gap-{year}-{reason.replace(' ', '_')}")
            labelled.add(label)
        axis.set_yticks([t["row"] for t in tier_rows] + [bottom],
                        [t["tier_label"] for t in tier_rows] + ["no placement"])
        axis.set_ylim(bottom + 0.5, -0.5)
        axis.set_title(f"{name}: tier in each TIP Report", loc="left", fontsize=11)
        axis.grid(axis="x", color="0.9")
    axes[-1].set_xticks(years, [str(y) for y in years], rotation=90)
    axes[-1].set_xlabel(f"Report year ({years[0]}–{years[-1]})")
    figure.legend(loc="outside upper center", ncols=2, fontsize=7, frameon=False)
    _credit(figure, DOUBT_NOTE + " Hollow markers: placements derived from other statements (the source "
                                 "starts with DERIVED:), not read; x, + and |: no placement loaded, and why (see the legend).")
    return _save(figure, path)


def _check_region(conn, region: str | None) -> None:
    if region is None:
        return
    known = [r for (r,) in conn.execute("SELECT DISTINCT region FROM analytics.countries WHERE region IS NOT NULL")]
    if region.lower() not in {k.lower() for k in known}:
        hint = did_you_mean(region, {k: k for k in known})
        raise ChartProblem(f"unknown region {region!r}" + (f"; {hint}" if hint else "")
                           + f". Regions: {', '.join(sorted(known))}")


def mix_counts(conn, region: str | None = None) -> list[dict]:
    """Placements per report year and tier (every tier of analytics.tiers), with the year's completeness."""
    _check_region(conn, region)
    return _select(conn, """
        SELECT c.report_year, c.complete, c.placements AS year_placements, c.published_total,
               t.tier, t.tier_label, t.tier_ordinal, count(r.iso3) AS placements
        FROM analytics.coverage c
        CROSS JOIN analytics.tiers t
        LEFT JOIN analytics.rankings r
               ON r.report_year = c.report_year AND r.tier = t.tier
              AND (%(region)s::text IS NULL OR lower(r.region) = lower(%(region)s::text))
        GROUP BY c.report_year, c.complete, c.placements, c.published_total, t.tier, t.tier_label, t.tier_ordinal
        ORDER BY c.report_year, t.tier_ordinal""", {"region": region})


def tier_mix(conn, path: Path, region: str | None = None, shares: bool = False) -> Path:
    """Stacked placements per tier for each report year; incomplete and unverified years are marked.

    With shares, incomplete years are not drawn: a share of a partial year would read as a real change.
    """
    check_output(path)
    rows = mix_counts(conn, region)
    years = sorted({r["report_year"] for r in rows})
    by_year = {y: [r for r in rows if r["report_year"] == y] for y in years}
    state = {y: by_year[y][0]["complete"] for y in years}
    figure = _figure(11, 6)
    axis = figure.subplots()
    labelled: set = set()
    _shade_doubtful_years(axis, {y: {"complete": state[y]} for y in years}, years, labelled)
    drawn = [y for y in years if not (shares and state[y] is False)]
    totals = {y: sum(r["placements"] for r in by_year[y]) for y in years}
    bottom = {y: 0.0 for y in years}
    for position, tier in enumerate(tiers(conn)):
        shade, hatch = TIER_FILLS[position % len(TIER_FILLS)]
        values = {}
        for y in drawn:
            count = next(r["placements"] for r in by_year[y] if r["tier"] == tier["tier"])
            values[y] = count * 100 / totals[y] if shares and totals[y] else float(count)
        bars = axis.bar(drawn, [values[y] for y in drawn], bottom=[bottom[y] for y in drawn], color=shade,
                        hatch=hatch, edgecolor="0.2", linewidth=0.5, label=tier["tier_label"], zorder=2)
        for y, bar in zip(drawn, bars):
            bar.set_gid(f"bar-{y}-{tier['tier']}")
            bottom[y] += values[y]
    top = max(bottom.values(), default=1) or 1
    for y in years:
        first = by_year[y][0]
        if state[y] is False:
            text = f"{first['year_placements']} of {first['published_total']} placed"
            if shares:
                text = "not drawn: " + text
            note = axis.annotate(text, (y, bottom[y] if y in drawn else 0), textcoords="offset points",
                                 xytext=(0, 3), rotation=90, ha="center", va="bottom", fontsize=7, color="0.1")
            note.set_gid(f"note-incomplete-{y}")
    what = "Share of placements (%)" if shares else "Countries placed"
    axis.set_ylabel(what)
    axis.set_xticks(years, [str(y) for y in years], rotation=90)
    axis.set_xlabel(f"Report year ({years[0]}–{years[-1]})")
    scope = f"{region}: tier mix" if region else "Tier mix"
    axis.set_title(f"{scope} per TIP Report" + (" (shares of each year's placements)" if shares else ""),
                   loc="left", fontsize=11)
    axis.legend(loc="upper left", fontsize=7, ncols=3)
    axis.set_ylim(0, top * 1.35)
    axis.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    note = DOUBT_NOTE
    if shares:
        note += " Shares are not drawn for incomplete years: their missing placements would distort every share."
    if region:
        note += " Completeness is that of the whole report."
    _credit(figure, note)
    return _save(figure, path)


def transitions(conn, from_year: int, to_year: int, path: Path) -> Path:
    """Heat map of the transition matrix between two reports, "not placed" included both ways."""
    check_output(path)
    rows = _rows(conn, "transition_matrix", from_year=from_year, to_year=to_year)
    labels = list(dict.fromkeys(r["from_placement"] for r in rows))
    cells = {(r["from_placement"], r["to_placement"]): r["countries"] for r in rows}
    matrix = [[cells.get((a, b)) for b in labels] for a in labels]
    cover = coverage(conn)
    figure = _figure(8.5, 6.5)
    axis = figure.subplots()
    image = axis.imshow([[v or 0 for v in row] for row in matrix], cmap="Greys")
    peak = max(v or 0 for row in matrix for v in row) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            shown = "–" if value is None else str(value)
            cell = axis.text(j, i, shown, ha="center", va="center",
                             color="white" if (value or 0) > peak / 2 else "black")
            cell.set_gid(f"cell-{labels[i]}-{labels[j]}".replace(" ", "_"))
    axis.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axis.set_yticks(range(len(labels)), labels)
    for year, title in ((from_year, "row"), (to_year, "column")):
        state = cover.get(year, {}).get("complete")
        if state is not True:
            reason = gap_reason(state)
            figure.text(0.99, 0.01 if title == "column" else 0.04,
                        f"The {year} report is an {reason}: its 'not placed' {title} includes missing placements.",
                        ha="right", fontsize=7, color="0.1", gid=f"doubt-{year}")
    sums_from = sum(v or 0 for row in matrix[:-1] for v in row)
    sums_to = sum(matrix[i][j] or 0 for i in range(len(labels)) for j in range(len(labels) - 1))
    axis.set_xlabel(f"Placement in the {to_year} report ({sums_to} placed)")
    axis.set_ylabel(f"Placement in the {from_year} report ({sums_from} placed)")
    axis.set_title(f"Tier transitions, {from_year} to {to_year} TIP Report", loc="left")
    figure.colorbar(image, ax=axis, label="countries")
    _credit(figure, "'not placed': no placement loaded for that report: the country was not in it (first placed, "
                    "or no longer placed) or, in an incomplete year, its placement is missing.")
    return _save(figure, path)
