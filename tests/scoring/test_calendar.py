"""Months and working days: the China calendar (holidays and make-up days), the policy's own
days off and working days, years without official data, and other countries."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from bot.config.calendars import work_calendar
from scoring.calendar import Month, WorkCalendar

# --- Month ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, month",
    [("2026-11", Month(2026, 11)), ("2026-01", Month(2026, 1)), (" 2024-2 ", Month(2024, 2))],
    ids=["november", "january", "spaces-and-one-digit"],
)
def test_month_parse(text, month):
    assert Month.parse(text) == month


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-11", "2026/11", "2026", "", "abcd-ef"])
def test_month_parse_refuses(text):
    with pytest.raises(ValueError):
        Month.parse(text)


@pytest.mark.parametrize(
    "month, first, last",
    [
        (Month(2026, 11), date(2026, 11, 1), date(2026, 11, 30)),
        (Month(2026, 12), date(2026, 12, 1), date(2026, 12, 31)),
        (Month(2026, 2), date(2026, 2, 1), date(2026, 2, 28)),
        (Month(2024, 2), date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        (Month(2000, 2), date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400
        (Month(2100, 2), date(2100, 2, 1), date(2100, 2, 28)),  # divisible by 100 only
    ],
    ids=["2026-11", "2026-12", "2026-02", "2024-02-leap", "2000-02-leap", "2100-02"],
)
def test_month_first_and_last(month, first, last):
    assert (month.first, month.last) == (first, last)
    days = list(month.days())
    assert (days[0], days[-1], len(days)) == (first, last, last.day)


@pytest.mark.parametrize(
    "month, previous, following",
    [
        (Month(2026, 11), Month(2026, 10), Month(2026, 12)),
        (Month(2026, 1), Month(2025, 12), Month(2026, 2)),
        (Month(2026, 12), Month(2026, 11), Month(2027, 1)),
        (Month(2024, 3), Month(2024, 2), Month(2024, 4)),
    ],
    ids=["mid-year", "january", "december", "after-leap-february"],
)
def test_month_previous_and_next(month, previous, following):
    assert (month.previous(), month.next()) == (previous, following)


def test_month_of_and_str():
    assert Month.of(date(2026, 11, 22)) == Month(2026, 11)
    assert str(Month(2026, 3)) == "2026-03"


# --- the China calendar (from the fixture) ------------------------------------------------


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


@pytest.mark.parametrize(
    "day",
    days(date(2025, 10, 1), date(2025, 10, 8)) + days(date(2026, 10, 1), date(2026, 10, 7))
    + [date(2026, 9, 25)],  # Mid-Autumn Festival 2026, a Friday
    ids=str,
)
def test_national_day_is_off(calendar, day):
    assert calendar.is_working_day(day) is False


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 9, 28),  # Sunday, make-up day
        date(2025, 10, 11),  # Saturday, make-up day
        date(2026, 9, 20),  # Sunday, make-up day
        date(2026, 10, 10),  # Saturday, make-up day
        date(2025, 10, 9),  # first working day after the 2025 holiday
        date(2026, 10, 8),  # first working day after the 2026 holiday
    ],
    ids=str,
)
def test_make_up_days_are_working_days(calendar, day):
    assert calendar.is_working_day(day) is True


@pytest.mark.parametrize(
    "day", [date(2025, 10, 12), date(2026, 10, 11), date(2026, 11, 21), date(2026, 11, 22)], ids=str
)
def test_ordinary_weekends_are_off(calendar, day):
    assert calendar.is_working_day(day) is False


@pytest.mark.parametrize(
    "month, count",
    [
        (Month(2025, 10), 18),  # 23 weekdays - 6 holiday weekdays + Sat 11 Oct
        (Month(2026, 10), 18),  # 22 weekdays - 5 holiday weekdays + Sat 10 Oct
        (Month(2026, 11), 21),  # 21 weekdays, no holiday
        (Month(2026, 9), 22),  # 22 weekdays + Sun 20 Sep - Fri 25 Sep
        (Month(2026, 7), 23),  # 23 weekdays, no holiday
        (Month(2026, 2), 16),  # 20 weekdays - 6 Spring Festival weekdays + Sat 14 and Sat 28 Feb
    ],
    ids=str,
)
def test_working_days_in_a_month(calendar, month, count):
    assert len(calendar.month_working_days(month)) == count
    assert len(calendar.working_days(month.first, month.last)) == count


def test_october_2026_working_days(calendar):
    assert [d.day for d in calendar.month_working_days(Month(2026, 10))] == [
        8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30,
    ]


@pytest.mark.parametrize(
    "day, previous",
    [
        (date(2026, 10, 8), date(2026, 9, 30)),  # across the National Day holiday
        (date(2025, 10, 9), date(2025, 9, 30)),
        (date(2026, 10, 12), date(2026, 10, 10)),  # Monday after a make-up Saturday
        (date(2025, 9, 29), date(2025, 9, 28)),  # Monday after a make-up Sunday
        (date(2026, 11, 23), date(2026, 11, 20)),  # an ordinary Monday
        (date(2026, 11, 24), date(2026, 11, 23)),
        (date(2026, 2, 24), date(2026, 2, 14)),  # across the Spring Festival
    ],
    ids=str,
)
def test_previous_working_day(calendar, day, previous):
    assert calendar.previous_working_day(day) == previous


@pytest.mark.parametrize(
    "month, first",
    [(Month(2026, 10), date(2026, 10, 8)), (Month(2025, 10), date(2025, 10, 9)),
     (Month(2026, 11), date(2026, 11, 2)), (Month(2026, 2), date(2026, 2, 2))],
    ids=str,
)
def test_first_working_day(calendar, month, first):
    assert calendar.first_working_day(month) == first


# --- years without official data ----------------------------------------------------


def test_a_year_without_data_falls_back_to_monday_to_friday(calendar):
    seen: list[int] = []
    cal = dataclasses.replace(calendar, on_uncovered=seen.append)
    # 2027-01-01 is a Friday: without data, New Year's Day counts as a working day
    assert cal.is_working_day(date(2027, 1, 1)) is True
    assert seen == [2027]
    week = cal.working_days(date(2027, 1, 2), date(2027, 1, 8))  # Saturday to Friday
    assert week == days(date(2027, 1, 4), date(2027, 1, 8))
    assert seen == [2027] * 8  # once per day asked


def test_covered_years_do_not_call_on_uncovered(calendar):
    seen: list[int] = []
    cal = dataclasses.replace(calendar, on_uncovered=seen.append)
    cal.working_days(date(2026, 12, 1), date(2026, 12, 31))
    cal.is_working_day(date(2004, 1, 1))
    assert seen == []


def test_every_calendar_asking_for_an_uncovered_month_is_told():
    # Two calendars with the same days but different listeners: each must hear of 2027,
    # even though month_working_days is memoised.
    first_seen: list[int] = []
    second_seen: list[int] = []
    covered = frozenset({1999})
    first = WorkCalendar(covered_years=covered, on_uncovered=first_seen.append)
    second = WorkCalendar(covered_years=covered, on_uncovered=second_seen.append)
    assert len(first.month_working_days(Month(2027, 3))) == 23
    assert len(second.month_working_days(Month(2027, 3))) == 23
    assert first_seen == [2027] * 31
    assert second_seen == [2027] * 31


def test_a_policy_that_lists_2027_days_covers_2027(policy):
    edited = dataclasses.replace(
        policy,
        holidays=frozenset({date(2027, 1, 1)}),
        working_days=frozenset({date(2027, 2, 7)}),
    )
    seen: list[int] = []
    cal = dataclasses.replace(work_calendar(edited), on_uncovered=seen.append)
    assert cal.is_working_day(date(2027, 1, 1)) is False
    assert cal.is_working_day(date(2027, 1, 4)) is True
    assert cal.is_working_day(date(2027, 2, 7)) is True  # a Sunday made a working day
    assert seen == []


# --- the policy's own days -----------------------------------------------------------


def test_policy_adds_a_holiday_and_a_working_day(policy, calendar):
    assert calendar.is_working_day(date(2026, 11, 23)) is True  # Monday
    assert calendar.is_working_day(date(2026, 11, 28)) is False  # Saturday
    edited = dataclasses.replace(
        policy,
        holidays=frozenset({date(2026, 11, 23)}),
        working_days=frozenset({date(2026, 11, 28)}),
    )
    cal = work_calendar(edited)
    assert cal.is_working_day(date(2026, 11, 23)) is False
    assert cal.is_working_day(date(2026, 11, 28)) is True
    assert len(cal.month_working_days(Month(2026, 11))) == 21  # one off, one on


def test_policy_overrides_the_official_days(policy):
    edited = dataclasses.replace(
        policy,
        holidays=frozenset({date(2026, 10, 10)}),  # drop the make-up Saturday
        working_days=frozenset({date(2026, 10, 7)}),  # work on the last holiday
    )
    cal = work_calendar(edited)
    assert cal.is_working_day(date(2026, 10, 10)) is False
    assert cal.is_working_day(date(2026, 10, 7)) is True
    assert cal.previous_working_day(date(2026, 10, 8)) == date(2026, 10, 7)
    assert len(cal.month_working_days(Month(2026, 10))) == 18


# --- other calendars ------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 10, 1), True),  # China's National Day is an ordinary Thursday here
        (date(2026, 10, 10), False),  # no make-up Saturday
        (date(2026, 11, 9), False),  # Diwali (observed), a Monday
        (date(2026, 12, 25), False),  # Christmas, a Friday
        (date(2026, 8, 10), False),  # National Day (observed), a Monday
        (date(2026, 11, 23), True),
    ],
    ids=str,
)
def test_singapore_calendar(policy, day, working):
    cal = work_calendar(dataclasses.replace(policy, calendar="SG"))
    assert cal.is_working_day(day) is working


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 10, 1), True),
        (date(2026, 10, 10), False),
        (date(2026, 9, 20), False),
        (date(2027, 1, 1), True),
        (date(2030, 6, 3), True),
        (date(2030, 6, 1), False),
    ],
    ids=str,
)
def test_weekdays_calendar(policy, day, working):
    cal = work_calendar(dataclasses.replace(policy, calendar="weekdays"))
    assert cal.is_working_day(day) is working
    assert cal.covered_years is None  # every year is known: never a warning


def test_weekdays_calendar_month_counts(policy):
    cal = work_calendar(dataclasses.replace(policy, calendar="weekdays"))
    assert len(cal.month_working_days(Month(2026, 10))) == 22
    assert len(cal.month_working_days(Month(2026, 2))) == 20
