"""Build the center's working-day calendar from a maintained holiday package and the policy."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import cache

from scoring.calendar import WorkCalendar
from scoring.policy import Policy

log = logging.getLogger("kpibot.calendar")

WEEKDAYS = "weekdays"
_YEARS = range(2000, 2061)


def work_calendar(policy: Policy, warn: Callable[[int], None] | None = None) -> WorkCalendar:
    """The policy's calendar: official days off and make-up days, then the policy's own.

    `warn(year)` is called once per year that has no official data yet.
    """
    holidays, workdays, covered = _official(policy.calendar)
    policy_years = {d.year for d in policy.holidays | policy.working_days}
    return WorkCalendar(
        holidays=frozenset((holidays - policy.working_days) | policy.holidays),
        workdays=frozenset((workdays - policy.holidays) | policy.working_days),
        covered_years=None if covered is None else frozenset(covered | policy_years),
        on_uncovered=cache(warn or _log_uncovered),
    )


def _official(code: str) -> tuple[frozenset[date], frozenset[date], set[int] | None]:
    """(days off, make-up working days, years with official data or None for all)."""
    if code == WEEKDAYS:
        return frozenset(), frozenset(), None
    if code.upper() == "CN":
        import chinese_calendar

        years = {d.year for d in chinese_calendar.holidays}
        return frozenset(chinese_calendar.holidays), frozenset(chinese_calendar.workdays), years
    return _country(code.upper()), frozenset(), None


def is_known_calendar(code: str) -> bool:
    """True for CN, "weekdays" or a country the holidays package knows."""
    if code == WEEKDAYS or code.upper() == "CN":
        return True
    import holidays

    return code.upper() in holidays.list_supported_countries()


def _country(code: str) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(code, years=_YEARS))


def _log_uncovered(year: int) -> None:
    log.warning("no official holiday data for %s: counting Monday to Friday as working days", year)
