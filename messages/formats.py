"""How numbers, dates and bars look, the same in every message and every format."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from scoring.calendar import Month
from scoring.progress import percent

BAR_WIDTH = 10
MOST_NAMES = 40  # a list of names longer than this ends "…and N more"


def number(value: int | float) -> str:
    """1320 -> 1,320."""
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def pct(ratio: Fraction | float) -> str:
    """A ratio as a percentage with one decimal: 7/8 -> 87.5%."""
    return f"{percent(Fraction(ratio)):.1f}%"


def bar(ratio: Fraction | float, width: int = BAR_WIDTH) -> str:
    """A text progress bar, full at 100 %: 0.62 -> ██████░░░░."""
    filled = min(width, max(0, math.floor(Fraction(ratio) * width)))
    return "█" * filled + "░" * (width - filled)


def signed(points: int) -> str:
    """+2, -3, 0."""
    return f"{points:+d}" if points else "0"


def clock(moment: datetime) -> str:
    """The time of day to the minute: 15:02."""
    return f"{moment:%H:%M}"


def mrkdwn(value: str, bold_first: bool = False) -> str:
    """Plain text made safe for Slack mrkdwn (&, <, > escaped); optionally the first line bold."""
    safe = str(value).strip("\n").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not bold_first or not safe:
        return safe
    first, _, rest = safe.partition("\n")
    return f"*{first}*" + (f"\n{rest}" if rest else "")


def vocabulary(words: dict[str, Any]) -> tuple[dict[str, Callable], dict[str, Callable]]:
    """The jinja2 filters and globals of one locale; `words` is its catalogue."""
    weekdays, months = words["date.weekdays"], words["date.months"]

    def day(value: date) -> str:
        return words["date.day"].format(weekday=weekdays[value.weekday()], day=value.day,
                                        month=months[value.month - 1], m=value.month)

    def short_day(value: date) -> str:
        return words["date.short_day"].format(day=value.day, month=months[value.month - 1],
                                              m=value.month)

    def month(value: Month) -> str:
        return words["date.month"].format(year=value.year, m=value.month,
                                          month=words["date.month_names"][value.month - 1])

    def count(n: int, unit: str) -> str:
        """12 calls, 1 call, 12 次."""
        return words[f"units.{unit}_{'one' if n == 1 else 'other'}"].format(n=number(n))

    def amount(calls: int, minutes: int) -> str:
        """What is missing, leaving out a zero part: "12 calls and 18 min", "18 min"."""
        if calls and minutes:
            return words["amount.both"].format(calls=count(calls, "calls"),
                                               minutes=count(minutes, "minutes"))
        return count(calls, "calls") if calls else count(minutes, "minutes")

    def names(items: Any, most: int = MOST_NAMES) -> str:
        """A list of names; past `most`, "…and N more"."""
        items = [str(item) for item in items]
        shown = words["list.sep"].join(items[:most])
        return shown if len(items) <= most else words["list.more"].format(names=shown, n=len(items) - most)

    def metric_value(value: float, metric: str) -> str:
        if metric == "attainment":
            return f"{value:.1f}%"
        if metric in ("calls", "talk_minutes"):
            return count(int(value), "calls" if metric == "calls" else "minutes")
        return number(int(value))

    filters = {"num": number, "pct": pct, "bar": bar, "signed": signed, "day": day,
               "short_day": short_day, "month": month, "count": count, "names": names,
               "mrkdwn": mrkdwn, "clock": clock}
    return filters, {"amount": amount, "metric_value": metric_value}
