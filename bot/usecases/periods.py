"""Days and months as people type them, read the same in chat and on the command line:
today, yesterday, month, YYYY-MM-DD and YYYY-MM (and 今天, 昨天, 本月). A day or month still
to come is refused (there is nothing to show yet) unless `to_come` allows it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.usecases.requests import CommandError
from scoring.calendar import Month

TODAY, YESTERDAY, THIS_MONTH = ("", "today", "今天"), ("yesterday", "昨天"), ("month", "本月")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Period:
    """A day (with its month up to it), or a whole month when `day` is None."""

    month: Month
    day: date | None


def parse_period(text: str, today: date, command: str = "mystats") -> Period:
    """A day word, a date, this month or a YYYY-MM month; CommandError when it is none of them."""
    word = _word(text)
    day = None if word in THIS_MONTH else _day(word, today)
    if day is not None:
        return Period(Month.of(_not_to_come(day, today, command, text)), day)
    month = Month.of(today) if word in THIS_MONTH else _month(word)
    if month is None:
        raise CommandError("bad_period", command, value=_typed(text))
    _not_to_come(month.first, today, command, text, "future_month")
    return Period(month, None)


def parse_day(text: str, today: date, command: str, *, to_come: bool = False) -> date:
    """today (when empty), yesterday or YYYY-MM-DD; CommandError otherwise."""
    day = _day(_word(text), today)
    if day is None:
        raise CommandError("bad_day", command, value=_typed(text))
    return day if to_come else _not_to_come(day, today, command, text)


def parse_month(text: str, today: date, command: str, *, to_come: bool = False) -> Month:
    """This month (when empty, or "month") or YYYY-MM; CommandError otherwise."""
    word = _word(text)
    month = Month.of(today) if word in ("", *THIS_MONTH) else _month(word)
    if month is None:
        raise CommandError("bad_month", command, value=_typed(text))
    if not to_come:
        _not_to_come(month.first, today, command, text, "future_month")
    return month


def _not_to_come(day: date, today: date, command: str, text: str, code: str = "future") -> date:
    if day > today:
        raise CommandError(code, command, value=_typed(text))
    return day


def _typed(text: str) -> str:
    """The words as typed, for an answer that quotes them."""
    return " ".join(text.split())


def _word(text: str) -> str:
    return _typed(text).lower()


def _day(word: str, today: date) -> date | None:
    if word in TODAY:
        return today
    if word in YESTERDAY:
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(word) if ISO_DAY.fullmatch(word) else None
    except ValueError:  # 2026-02-30
        return None


def _month(word: str) -> Month | None:
    try:
        return Month.parse(word)
    except ValueError:
        return None
