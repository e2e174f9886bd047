"""`tipdb check`: the data's own test suite.

The rules live in the database, one view each (`tip.check_<rule_id>`, created by migrations, catalogued
in `tip.check_rule` with their severity and legal or published basis); `analytics.check_results` has the
rows every rule returns. This module only reads them and decides each rule's status:

- failed: the rule returned a row marked `failed` (for an error rule, a contradiction of the law or a
  published figure; for a warning rule, something unusual to look at);
- not checkable: nothing published to check it against, in every report asked about;
- passed: otherwise. Rows marked `note` (an incomplete year falling short of a published figure) are
  shown with the rule but never make it fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSED, FAILED, NOT_CHECKABLE = "passed", "failed", "not checkable"


@dataclass
class RuleResult:
    rule_id: str
    severity: str
    title: str
    basis: str
    status: str = PASSED
    findings: list[dict] = field(default_factory=list)  # failed and note rows
    not_checkable_years: list[int] = field(default_factory=list)
    not_checkable_reasons: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict]:
        return [f for f in self.findings if f["outcome"] == "failed"]


@dataclass
class Report:
    year: int | None
    rules: list[RuleResult]

    @property
    def errors(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == FAILED and r.severity == "error"]

    @property
    def warnings(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == FAILED and r.severity == "warning"]


def run(conn, year: int | None = None) -> Report:
    """Evaluate every rule, for one report year or all of them."""
    rules = {
        r[0]: RuleResult(*r)
        for r in conn.execute(
            "SELECT rule_id, severity, title, basis FROM analytics.check_rules "
            "ORDER BY severity, rule_id").fetchall()
    }
    years = [y for (y,) in conn.execute(
        "SELECT report_year FROM analytics.reports WHERE %(year)s::int IS NULL OR report_year = %(year)s "
        "ORDER BY report_year", {"year": year}).fetchall()]
    cursor = conn.execute(
        "SELECT rule_id, report_year, iso3, country, outcome, detail FROM analytics.check_results "
        "WHERE %(year)s::int IS NULL OR report_year = %(year)s "
        "ORDER BY rule_id, report_year, country NULLS FIRST, detail", {"year": year})
    columns = [c.name for c in cursor.description]
    for row in cursor.fetchall():
        finding = dict(zip(columns, row))
        rule = rules[finding["rule_id"]]
        if finding["outcome"] == "not_checkable":
            rule.not_checkable_years.append(finding["report_year"])
            if finding["detail"] not in rule.not_checkable_reasons:
                rule.not_checkable_reasons.append(finding["detail"])
        else:
            rule.findings.append(finding)
    for rule in rules.values():
        if rule.failed:
            rule.status = FAILED
        elif years and set(years) <= set(rule.not_checkable_years):
            rule.status = NOT_CHECKABLE
    return Report(year, list(rules.values()))


def _years(years: list[int]) -> str:
    """2001, 2003-2008, 2021: a compact list of years."""
    spans: list[list[int]] = []
    for y in sorted(set(years)):
        if spans and y == spans[-1][1] + 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def text(report: Report) -> str:
    """The report for people: one line per rule, its offending rows beneath."""
    lines = []
    for rule in report.rules:
        status = rule.status.upper()
        lines.append(f"{status:<13} {rule.severity:<7} {rule.rule_id}: {rule.title}")
        for f in rule.findings:
            mark = "x" if f["outcome"] == "failed" else "~"
            who = f" {f['country']} ({f['iso3']})" if f["iso3"] else ""
            lines.append(f"    {mark} {f['report_year']}{who}: {f['detail']}")
        if rule.status == NOT_CHECKABLE:
            lines.append(f"    {'; '.join(rule.not_checkable_reasons)}")
        elif rule.not_checkable_years:
            lines.append(f"    not checkable in {_years(rule.not_checkable_years)}")
    lines.append("")
    lines.append("x = breaks the rule; ~ = shown, not a failure (an incomplete year falls short of a published figure)")
    lines.append(summary(report))
    return "\n".join(lines)


def summary(report: Report) -> str:
    counts = {s: sum(r.status == s for r in report.rules) for s in (PASSED, FAILED, NOT_CHECKABLE)}
    scope = f"report year {report.year}" if report.year else "every report year"
    return (f"{len(report.rules)} rules on {scope}: {counts[PASSED]} passed, {counts[FAILED]} failed "
            f"({len(report.errors)} error, {len(report.warnings)} warning), {counts[NOT_CHECKABLE]} not checkable")


def rows(report: Report) -> tuple[list[str], list[tuple]]:
    """One row per rule and finding, for CSV and JSON: a rule with no finding has one row of its own."""
    columns = ["rule_id", "severity", "status", "title", "report_year", "iso3", "country", "outcome", "detail"]
    out = []
    for rule in report.rules:
        head = (rule.rule_id, rule.severity, rule.status, rule.title)
        if not rule.findings:
            detail = f"not checkable in {_years(rule.not_checkable_years)}" if rule.not_checkable_years else None
            out.append(head + (None, None, None, None, detail))
        for f in rule.findings:
            out.append(head + (f["report_year"], f["iso3"], f["country"], f["outcome"], f["detail"]))
    return columns, out
