"""The payroll export as a table: the header and each agent's cells, in one language. Numbers
stay numbers (a spreadsheet sums them); words come from the locale's catalogue."""

from __future__ import annotations

from typing import Any

from messages.formats import vocabulary
from messages.render import catalog, text
from scoring.progress import percent

COLUMNS = ("employee_id", "name", "team", "tier", "days_assessed", "calls", "calls_quota", "talk_minutes",
           "talk_minutes_quota", "attainment", "basic_met", "members", "members_target", "incentive_met",
           "outcome", "base_pay_cut", "score", "rank", "entries", "retraining", "level_review")


def payroll_table(rows: list[Any], policy: Any, locale: str) -> tuple[list[str], list[list[Any]]]:
    """The header and one list of cells per bot.usecases.payroll.PayRow; an empty cell is None."""
    header = [text(locale, f"export.column.{name}") for name in COLUMNS]
    return header, [_cells(row, policy, locale) for row in rows]


def _cells(row: Any, policy: Any, locale: str) -> list[Any]:
    s, m, outcome = row.standing, row.standing.month, row.outcome

    def yes_no(flag: bool) -> str:
        return text(locale, "export.yes" if flag else "export.no")

    return [
        s.agent.employee_id, s.agent.name, s.team, row.tier.label.in_(locale), m.days_assessed,
        m.totals.calls, m.quota.calls, m.totals.talk_minutes, m.quota.talk_minutes,
        None if m.attainment is None else percent(m.attainment.mean),
        None if m.attainment is None else yes_no(m.attainment.met),
        row.members,
        None if outcome is None else outcome.members_target,
        None if outcome is None else yes_no(outcome.incentive_met),
        None if outcome is None else text(locale, f"export.outcome.{outcome.code}"),
        None if outcome is None else outcome.base_pay_cut,
        s.score, row.rank, _entries(s.entries, policy, locale),
        yes_no(row.review.month.retraining),
        None if row.review.level is None else text(locale, f"review.{row.review.level}"),
    ]


def _entries(entries: list[Any], policy: Any, locale: str) -> str:
    """Every entry of the month in one cell: "-2 Late (10 Nov, Xu Chen); +1 … (undone)"."""
    filters, _ = vocabulary(catalog(locale))
    shown = []
    for e in entries:
        item = policy.catalog.get(e.code) if e.code else None
        reason = item.label.in_(locale) if item else e.note
        if item and e.note:
            reason = text(locale, "score.with_note", label=reason, note=e.note)
        about = filters["short_day"](e.day) + (text(locale, "export.by", author=e.author) if e.author else "")
        line = text(locale, "export.entry", points=filters["signed"](e.points), reason=reason, about=about)
        shown.append(line + (text(locale, f"score.{e.state}") if e.state else ""))
    return text(locale, "export.entries_sep").join(shown)
