"""Parsing a file's cells: dates, moments, counts, amounts, durations and choices, each to a
value or a CellError naming the column and the reason.

Numbers must be written plainly; talk time may be minutes, seconds or H:MM:SS; a timestamp
without an offset is the center's local time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from scoring.problems import Problem


class CellError(Problem):
    """Why a row is bad; its words are the catalogue's import.reason.<code>."""


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_EPOCH = re.compile(r"\d{10}|\d{13}")  # seconds or milliseconds since 1970, as APIs give moments


def parse_date(value: Any, column: str) -> date:
    """2026-11-03, 2026/11/3, 2026.11.3, 2026年11月3日, 20261103 (as APIs write it), or a
    spreadsheet date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(str(value).strip()) or _COMPACT_DATE.fullmatch(str(value).strip())
    try:
        if match:
            return date(*(int(g) for g in match.groups()))
    except ValueError:
        pass
    raise CellError("not_date", column=column, value=str(value))


def parse_moment(value: Any, column: str, tz: ZoneInfo) -> datetime:
    """A timestamp: with an offset or Z it is converted; a naive one is the center's local time;
    10 or 13 digits are seconds or milliseconds since 1970 (UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif not isinstance(value, bool) and _EPOCH.fullmatch(str(value).strip()):
        seconds = int(str(value).strip())
        moment = datetime.fromtimestamp(seconds / 1000 if seconds >= 10**12 else seconds, UTC)
    else:
        text = str(value).strip().replace("/", "-").replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise CellError("not_moment", column=column, value=str(value)) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def parse_whole(value: Any, column: str, most: int | None = None) -> int:
    """A whole number >= 0 (1,320 and 60.0 are fine; 1e3 is not), at most `most`."""
    number = _decimal(value, column, unplain="not_whole")
    if number != number.to_integral_value() or number < 0:
        raise CellError("not_whole", column=column, value=str(value))
    if most is not None and number > most:
        raise CellError("too_large", column=column, value=str(value), most=most)
    return int(number)


def parse_amount(value: Any, column: str, most: int) -> Decimal:
    """A number >= 0 with decimals allowed, at most `most`."""
    number = _decimal(value, column)
    if number < 0:
        raise CellError("negative", column=column, value=str(value))
    if number > most:
        raise CellError("too_large", column=column, value=str(value), most=most)
    return number


# H:MM:SS, hours of any length. A bare 2:30 could be hours and minutes or minutes and seconds.
_CLOCK = re.compile(r"(\d+):([0-5]\d):([0-5]\d)")
_TWO_PARTS = re.compile(r"\d+:[0-5]\d")
_DURATION_REASONS = {  # unit -> (not a duration, ambiguous)
    "minutes": ("not_duration_minutes", "ambiguous_minutes"),
    "seconds": ("not_duration_seconds", "ambiguous_seconds"),
}


def parse_minutes(value: Any, column: str, most: int) -> Decimal:
    """Minutes (decimals allowed), H:MM:SS, or a spreadsheet duration cell; at most `most` minutes."""
    seconds = _duration_seconds(value, column, "minutes")
    if seconds is None:
        return parse_amount(value, column, most)
    return _within(seconds / 60, _shown(value, seconds), column, most)


def parse_seconds(value: Any, column: str, most: int) -> int:
    """Whole seconds, H:MM:SS, or a spreadsheet duration cell (to the nearest second); at most `most`."""
    seconds = _duration_seconds(value, column, "seconds")
    if seconds is None:
        return parse_whole(value, column, most)
    return int(_within(seconds.to_integral_value(ROUND_HALF_UP), _shown(value, seconds), column, most))


def _duration_seconds(value: Any, column: str, unit: str) -> Decimal | None:
    """The seconds of a duration (H:MM:SS text, or an XLSX time or [h]:mm:ss cell); None for a
    value with no colon, which is a plain number of `unit`."""
    if isinstance(value, timedelta):
        return Decimal(value.days * 86400 + value.seconds) + Decimal(value.microseconds) / 1_000_000
    if isinstance(value, time):
        whole = value.hour * 3600 + value.minute * 60 + value.second
        return Decimal(whole) + Decimal(value.microsecond) / 1_000_000
    bad, ambiguous = _DURATION_REASONS[unit]
    if isinstance(value, datetime):  # a moment, not a length of time
        raise CellError(bad, column=column, value=str(value))
    text = str(value).strip().replace("\uff1a", ":")  # a full-width colon, as Chinese input types it
    if ":" not in text:
        return None
    match = _CLOCK.fullmatch(text)
    if match:
        hours, minutes, seconds = (int(g) for g in match.groups())
        return Decimal(hours * 3600 + minutes * 60 + seconds)
    raise CellError(ambiguous if _TWO_PARTS.fullmatch(text) else bad, column=column, value=str(value))


def _within(number: Decimal, shown: str, column: str, most: int) -> Decimal:
    if number < 0:
        raise CellError("negative", column=column, value=shown)
    if number > most:
        raise CellError("too_large", column=column, value=shown, most=most)
    return number


def _shown(value: Any, seconds: Decimal) -> str:
    """The cell as a reason quotes it: text as written, a duration cell as H:MM:SS."""
    if isinstance(value, str):
        return value
    sign, whole = ("-" if seconds < 0 else ""), int(abs(seconds).to_integral_value(ROUND_HALF_UP))
    return f"{sign}{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)")  # 1,320 or 60.5 or .5


def _decimal(value: Any, column: str, unplain: str = "not_number") -> Decimal:
    """The cell as a number. Text must be written plainly: what Decimal also reads (1e3, 1_000)
    is refused with the reason `unplain`, as a person would not have typed it."""
    if isinstance(value, bool):
        raise CellError("not_number", column=column, value=str(value))
    text = str(value).strip()
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise CellError("not_number", column=column, value=str(value)) from None
    if not number.is_finite():
        raise CellError("not_number", column=column, value=str(value))
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(text):
        raise CellError(unplain, column=column, value=str(value))
    return number


def parse_choice(value: Any, column: str, choices: dict[str, str]) -> str:
    """One of `choices` (aliases to canonical values), case-insensitive."""
    found = choices.get(str(value).strip().lower())
    if found is None:
        raise CellError("not_choice", column=column, value=str(value),
                        options=", ".join(dict.fromkeys(choices.values())))
    return found
