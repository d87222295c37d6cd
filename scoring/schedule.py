"""When the rounds are due: on working days, at the policy's times, in the center's time zone.

A round is due from its time until `catch_up_hours` later, so a bot that starts late still
sends that morning's round; after that it waits for the next day rather than wishing good
morning at night. The weekly contact round is due with the morning round of the first working
day after the week.

The stats pull has slots: `pull`, then every `pull_every_minutes` up to `pull_until`. A slot is
due from its time until the next one (the last until the day ends), so a pull run late is still
the latest slot's, and each slot is pulled once however many processes ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scoring.calendar import Month, WorkCalendar
from scoring.contact import Week
from scoring.policy import Policy

MORNING, MONTH_END, PULL, CONTACT = "morning", "month-end", "pull", "contact"


@dataclass(frozen=True)
class Due:
    job: str  # MORNING, MONTH_END, CONTACT or PULL
    period: str  # the morning's date, the month closed (YYYY-MM), the week ended (YYYY-Www), or
    #              the pull's slot (YYYY-MM-DDTHH:MM)


def due(policy: Policy, cal: WorkCalendar, now: datetime) -> list[Due]:
    """The rounds due at `now`, a time in the center's zone."""
    today = now.date()
    if not cal.is_working_day(today):
        return []
    found = []
    if _within(now, policy.morning_at, policy.catch_up_hours):
        found.append(Due(MORNING, today.isoformat()))
        found.extend(Due(CONTACT, str(week)) for week in weeks_ended(cal, today))
    if today == cal.first_working_day(Month.of(today)) and _within(now, policy.month_end_at, policy.catch_up_hours):
        found.append(Due(MONTH_END, str(Month.of(today).previous())))
    return found


def weeks_ended(cal: WorkCalendar, today: date) -> list[Week]:
    """The weeks whose contact round is due on `today`: those whose first working day after
    them is today (two after a week with no working day at all), oldest first."""
    found, week = [], Week.of(today).previous()
    while cal.next_working_day(week.sunday) == today:
        found.insert(0, week)
        week = week.previous()
    return found


def _within(now: datetime, at: time, hours: int) -> bool:
    start = now.replace(hour=at.hour, minute=at.minute, second=at.second, microsecond=0)
    return start <= now < start + timedelta(hours=hours)


def pull_times(policy: Policy) -> tuple[time, ...]:
    """A working day's pull slots: `pull_at`, then every `pull_every_minutes` up to `pull_until`."""
    if policy.pull_every_minutes == 0:
        return (policy.pull_at,)
    step = timedelta(minutes=policy.pull_every_minutes)
    first, last = (datetime.combine(date.min, at) for at in (policy.pull_at, policy.pull_until))
    return tuple((first + n * step).time() for n in range((last - first) // step + 1))


def pull_due(policy: Policy, cal: WorkCalendar, now: datetime) -> Due | None:
    """The pull slot `now` (a time in the center's zone) is in: the latest reached on a working day."""
    if not cal.is_working_day(now.date()):
        return None
    reached = [at for at in pull_times(policy) if at <= now.time()]
    return Due(PULL, f"{now.date().isoformat()}T{reached[-1]:%H:%M}") if reached else None
