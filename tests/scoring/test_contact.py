"""The weekly contact rate and its ladder (000), with the seeds' numbers: the first miss under
60 % is -1, the second under 65 % -2, the third under 70 % -3, and the last step repeats."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest

from scoring.contact import Miss, Week, contact_rate, weekly_miss, window


def test_a_week_is_an_iso_week_from_monday_to_sunday():
    week = Week.of(date(2026, 12, 2))  # a Wednesday
    assert (week.monday, week.sunday, str(week)) == (date(2026, 11, 30), date(2026, 12, 6), "2026-W49")
    assert Week.parse("2026-w49") == week and Week.parse(" 2026-W49 ") == week
    assert str(Week.parse("2027-W01")) == "2027-W01" and Week.parse("2027-W01").monday == date(2027, 1, 4)
    assert str(Week.of(date(2026, 1, 1))) == "2026-W01"  # Thursday 1 Jan 2026 is in its year's first week
    assert week.previous(4).monday == date(2026, 11, 2) and len(week.days()) == 7


@pytest.mark.parametrize("text", ["2026-49", "2026-W4", "2026-W54", "26-W10", "2026W10", ""])
def test_a_week_written_otherwise_is_refused(text):
    with pytest.raises(ValueError):
        Week.parse(text)


def test_the_rate_is_contacted_over_assigned_and_none_without_leads():
    assert contact_rate(200, 119) == Fraction(119, 200)
    assert contact_rate(0, 0) is None


@pytest.mark.parametrize(("rate", "before", "miss"), [
    (Fraction(59, 100), 0, Miss(1, 0.60, 1)),
    (Fraction(60, 100), 0, None),  # 60 % reaches the mark
    (Fraction(64, 100), 1, Miss(2, 0.65, 2)),  # after a miss, the bar is higher
    (Fraction(65, 100), 1, None),
    (Fraction(69, 100), 2, Miss(3, 0.70, 3)),
    (Fraction(70, 100), 2, None),
    (Fraction(50, 100), 3, Miss(4, 0.70, 3)),  # the documents stop at the third: it repeats
    (Fraction(69, 100), 7, Miss(8, 0.70, 3)),
])
def test_the_ladder(policy, rate, before, miss):
    assert weekly_miss(policy, rate, before) == miss


def test_the_window_is_the_policys_weeks_before_the_rounds_day(policy):
    assert window(policy, date(2026, 11, 30)) == (date(2026, 11, 2), date(2026, 11, 29))
    assert window(replace(policy, contact_window_weeks=1), date(2026, 11, 30)) == (date(2026, 11, 23),
                                                                                  date(2026, 11, 29))
