"""The weekly contact rate (接触量, 000): leads contacted over leads assigned in a week, and the
ladder of misses. The first miss is a week under the first step's mark (60 %), a warning and
-1; the second is a week under the second's (65 %), -2; the third under the third's (70 %), -3;
later misses repeat the last step. A week's miss is a deduction dated the day its round runs
(the first working day after the week); misses count within `policy.contact_window_weeks`
weeks before it, so after that many weeks without one the ladder starts again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from scoring.policy import Policy


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week, Monday to Sunday, written YYYY-Www (2026-W48)."""

    monday: date

    @classmethod
    def of(cls, day: date) -> Week:
        return cls(day - timedelta(days=day.weekday()))

    @classmethod
    def parse(cls, text: str) -> Week:
        """Parse YYYY-Www; raises ValueError otherwise."""
        year, sep, week = text.strip().upper().partition("-W")
        if not (sep and year.isdigit() and len(year) == 4 and week.isdigit() and len(week) == 2):
            raise ValueError(f"not a week (YYYY-Www): {text!r}")
        monday = date.fromisocalendar(int(year), int(week), 1)  # ValueError for week 54, say
        return cls(monday)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    def previous(self, weeks: int = 1) -> Week:
        return Week(self.monday - timedelta(weeks=weeks))

    def __str__(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year:04d}-W{week:02d}"


@dataclass(frozen=True)
class Miss:
    number: int  # the first, second, third … miss in the window
    below: float  # the mark the week fell under
    points: int  # deducted


def contact_rate(assigned: int, contacted: int) -> Fraction | None:
    """Leads contacted over leads assigned; None for a week with none assigned."""
    return Fraction(contacted, assigned) if assigned > 0 else None


def window(policy: Policy, day: date) -> tuple[date, date]:
    """The days whose contact entries count as misses before the round of `day`: the
    `contact_window_weeks` weeks before it (the rounds of as many weeks)."""
    return day - timedelta(weeks=policy.contact_window_weeks), day - timedelta(days=1)


def weekly_miss(policy: Policy, rate: Fraction, misses_before: int) -> Miss | None:
    """The miss a week at `rate` is, after `misses_before` misses in the window; None when the
    week reached the mark of the next step."""
    index = min(misses_before, len(policy.contact_ladder) - 1)
    step = policy.contact_ladder[index]
    if rate >= Fraction(step.below).limit_denominator(10_000):
        return None
    return Miss(misses_before + 1, step.below, step.points)
