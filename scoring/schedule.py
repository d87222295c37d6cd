"""When the rounds are due: on working days, at the policy's times, in the center's time zone.

A round is due from its time until `catch_up_hours` later, so a bot that starts late still
sends that morning's round; after that it waits for the next day rather than wishing good
morning at night.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from scoring.calendar import Month, WorkCalendar
from scoring.policy import Policy

MORNING, MONTH_END = "morning", "month-end"


@dataclass(frozen=True)
class Due:
    job: str  # MORNING or MONTH_END
    period: str  # the morning's date, or the month closed (YYYY-MM)


def due(policy: Policy, cal: WorkCalendar, now: datetime) -> list[Due]:
    """The rounds due at `now`, a time in the center's zone."""
    today = now.date()
    if not cal.is_working_day(today):
        return []
    found = []
    if _within(now, policy.morning_at, policy.catch_up_hours):
        found.append(Due(MORNING, today.isoformat()))
    if today == cal.first_working_day(Month.of(today)) and _within(now, policy.month_end_at, policy.catch_up_hours):
        found.append(Due(MONTH_END, str(Month.of(today).previous())))
    return found


def _within(now: datetime, at: time, hours: int) -> bool:
    start = now.replace(hour=at.hour, minute=at.minute, second=at.second, microsecond=0)
    return start <= now < start + timedelta(hours=hours)
