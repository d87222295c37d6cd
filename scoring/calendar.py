"""Working days: a weekly rule plus the exceptions a country's calendar declares."""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Month:
    """A calendar month, written YYYY-MM."""

    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        """The month that holds `day`."""
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse YYYY-MM; raises ValueError otherwise."""
        year, sep, month = text.strip().partition("-")
        if not (sep and year.isdigit() and month.isdigit() and len(year) == 4):
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        if not 1 <= int(month) <= 12:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        return cls(int(year), int(month))

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, _stdlib_calendar.monthrange(self.year, self.month)[1])

    def days(self) -> Iterator[date]:
        """Every day of the month, in order."""
        for n in range(self.last.day):
            yield self.first + timedelta(days=n)

    def previous(self) -> Month:
        return Month.of(self.first - timedelta(days=1))

    def next(self) -> Month:
        return Month.of(self.last + timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days.

    `holidays` are weekdays off and `workdays` are make-up working days on a weekend
    (调休). Years outside `covered_years` have no official data: they fall back to the
    weekly rule and `on_uncovered(year)` is called so the caller can warn.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    weekend: frozenset[int] = frozenset({5, 6})
    covered_years: frozenset[int] | None = None
    on_uncovered: Callable[[int], None] | None = field(default=None, compare=False)
    _months: dict[Month, tuple[date, ...]] = field(default_factory=dict, compare=False, repr=False)

    def is_working_day(self, day: date) -> bool:
        """True when `day` is a working day."""
        if self.covered_years is not None and day.year not in self.covered_years:
            if self.on_uncovered is not None:
                self.on_uncovered(day.year)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() not in self.weekend

    def working_days(self, start: date, end: date) -> list[date]:
        """The working days from `start` to `end`, both included."""
        return [d for d in _span(start, end) if self.is_working_day(d)]

    def month_working_days(self, month: Month) -> tuple[date, ...]:
        """The working days of `month` (memoised: it is asked for often)."""
        if month not in self._months:
            self._months[month] = tuple(d for d in month.days() if self.is_working_day(d))
        return self._months[month]

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day -= timedelta(days=1)
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def first_working_day(self, month: Month) -> date:
        """The first working day of `month`."""
        return self.month_working_days(month)[0]


def _span(start: date, end: date) -> Iterable[date]:
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)
