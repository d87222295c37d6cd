"""Progress against the quota: totals, attainment, shortfall, pace and percentages, a day
and a month to date."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from scoring.calendar import Month
from scoring.progress import (
    Attainment,
    Shortfall,
    Totals,
    attainment,
    day_progress,
    counted,
    month_progress,
    month_progresses,
    pace,
    percent,
    shortfall,
)
from scoring.quotas import (
    ASSESSED,
    EXEMPT,
    NOT_EMPLOYED,
    REST_DAY,
    Agent,
    MonthlyQuota,
    Quota,
    exempt_hires,
    is_exempt,
)

DAILY_VETERAN = Quota(60, 150)
VETERAN = Agent("V1", hire_date=date(2020, 1, 1))


def minutes(m: float) -> int:
    return round(m * 60)


# --- Totals -----------------------------------------------------------------------------


def test_totals_add_up():
    assert Totals(10, 600, 1) + Totals(5, 30, 2) == Totals(15, 630, 3)
    assert Totals() == Totals(0, 0, 0)


@pytest.mark.parametrize("seconds, whole", [(0, 0), (59, 0), (60, 1), (8999, 149), (9000, 150)])
def test_talk_minutes_round_down(seconds, whole):
    assert Totals(talk_seconds=seconds).talk_minutes == whole


# --- attainment -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "totals, calls, talk, mean, met",
    [
        # 66/60 = 11/10 and 144/150 = 24/25; mean (110 % + 96 %) / 2 = 103 %; talk short
        (Totals(66, minutes(144)), Fraction(11, 10), Fraction(24, 25), Fraction(103, 100), False),
        (Totals(60, minutes(150)), Fraction(1), Fraction(1), Fraction(1), True),
        (Totals(59, minutes(200)), Fraction(59, 60), Fraction(4, 3), Fraction(139, 120), False),
        (Totals(60, minutes(150) - 1), Fraction(1), Fraction(8999, 9000), Fraction(17999, 18000),
         False),
        (Totals(0, 0), Fraction(0), Fraction(0), Fraction(0), False),
        (Totals(90, minutes(225)), Fraction(3, 2), Fraction(3, 2), Fraction(3, 2), True),
    ],
    ids=["66-calls-144-min", "exactly-met", "calls-short", "one-second-short", "nothing",
         "one-and-a-half"],
)
def test_attainment(totals, calls, talk, mean, met):
    got = attainment(totals, DAILY_VETERAN)
    assert got == Attainment(calls, talk, met)
    assert got.mean == mean


def test_attainment_of_an_empty_quota_is_none():
    assert attainment(Totals(5, 600), Quota(0, 0)) is None
    assert attainment(Totals(5, 600), Quota(10, 0)) is None


# --- shortfall and pace ---------------------------------------------------------------


@pytest.mark.parametrize(
    "totals, missing",
    [
        (Totals(66, minutes(144)), Shortfall(0, 6)),
        (Totals(40, minutes(100)), Shortfall(20, 50)),
        (Totals(60, minutes(150) - 1), Shortfall(0, 1)),  # one second short: one minute
        (Totals(60, minutes(149) + 1), Shortfall(0, 1)),  # 59 seconds short: one minute
        (Totals(61, minutes(151)), Shortfall(0, 0)),
    ],
    ids=["66-calls-144-min", "both-short", "one-second", "fifty-nine-seconds", "over"],
)
def test_shortfall(totals, missing):
    assert shortfall(totals, DAILY_VETERAN) == missing
    assert shortfall(totals, DAILY_VETERAN).is_zero is (missing == Shortfall(0, 0))


@pytest.mark.parametrize(
    "totals, days_left, needed",
    [
        # 720 calls / 7 = 102.86 -> 103; 1800 min / 7 = 257.14 -> 258
        (Totals(600, minutes(1500)), 7, Shortfall(103, 258)),
        # 120 / 2 = 60; 300 min / 2 = 150
        (Totals(1200, minutes(3000)), 2, Shortfall(60, 150)),
        # calls done; 1 second missing over 3 days still needs a minute a day
        (Totals(1320, minutes(3300) - 1), 3, Shortfall(0, 1)),
        (Totals(1320, minutes(3300)), 5, None),  # done
        (Totals(1400, minutes(3400)), 5, None),  # more than done
        (Totals(600, minutes(1500)), 0, None),  # no day left
    ],
    ids=["seven-days", "two-days", "one-second", "done", "over", "no-day-left"],
)
def test_pace_rounds_up_per_remaining_day(totals, days_left, needed):
    assert pace(totals, Quota(1320, 3300), days_left) == needed


# --- percent ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ratio, shown",
    [
        (Fraction(7, 8), 87.5),
        (Fraction(1, 16), 6.3),  # 6.25 -> 6.3 (half up; round() would give 6.2)
        (Fraction(5, 16), 31.3),  # 31.25 -> 31.3
        (Fraction(1, 3), 33.3),
        (Fraction(2, 3), 66.7),
        (Fraction(103, 100), 103.0),
        (Fraction(0), 0.0),
        (Fraction(1), 100.0),
        (Fraction(1999, 2000), 100.0),  # 99.95 -> 100.0
    ],
    ids=str,
)
def test_percent_rounds_half_up_to_one_decimal(ratio, shown):
    assert percent(ratio) == shown


# --- day_progress ---------------------------------------------------------------------

NEW = Agent("N", hire_date=date(2026, 11, 11))


def test_day_progress_assessed(policy, calendar):
    got = day_progress(policy, calendar, VETERAN, date(2026, 11, 20), Totals(66, minutes(144)))
    assert got.status == ASSESSED
    assert got.tier.name == "veteran"
    assert got.quota == Quota(60, 150)
    assert got.attainment == Attainment(Fraction(11, 10), Fraction(24, 25), False)
    assert got.shortfall == Shortfall(0, 6)
    assert percent(got.attainment.mean) == 103.0


def test_day_progress_new_hire_after_the_first_week(policy, calendar):
    got = day_progress(policy, calendar, NEW, date(2026, 11, 18), Totals(50, minutes(100)))
    assert (got.status, got.tier.name, got.quota) == (ASSESSED, "new_hire", Quota(50, 120))
    assert got.attainment == Attainment(Fraction(1), Fraction(5, 6), False)
    assert got.shortfall == Shortfall(0, 20)


@pytest.mark.parametrize(
    "agent, day, status, tier",
    [
        (NEW, date(2026, 11, 12), EXEMPT, "new_hire"),
        (NEW, date(2026, 11, 10), NOT_EMPLOYED, "new_hire"),
        (VETERAN, date(2026, 11, 21), REST_DAY, "veteran"),
        (VETERAN, date(2026, 10, 1), REST_DAY, "veteran"),
    ],
    ids=["exempt", "before-hire", "saturday", "national-day"],
)
def test_day_progress_not_assessed(policy, calendar, agent, day, status, tier):
    totals = Totals(12, minutes(30))
    got = day_progress(policy, calendar, agent, day, totals)
    assert (got.status, got.tier.name, got.totals) == (status, tier, totals)
    assert (got.quota, got.attainment, got.shortfall) == (None, None, None)


# --- month_progress -------------------------------------------------------------------


def test_month_to_date_of_a_new_hire(policy, calendar):
    # Hired Wed 11 Nov 2026; 11-17 Nov exempt. Quota: 9 assessed of 21 working days as a
    # new hire, 9 × 50 = 450 calls and 9 × 120 = 1,080 minutes (see test_quotas).
    by_day = {
        date(2026, 10, 30): Totals(99, 9999, 9),  # another month
        date(2026, 11, 12): Totals(30, 3600, 1),  # exempt: not counted
        date(2026, 11, 17): Totals(40, 4000, 1),  # exempt: not counted
        date(2026, 11, 18): Totals(52, 7500, 2),
        date(2026, 11, 19): Totals(48, 7000, 0),
        date(2026, 11, 20): Totals(55, 7800, 3),
        date(2026, 11, 21): Totals(10, 600, 0),  # a Saturday's work counts
        date(2026, 11, 23): Totals(70, 9000, 4),  # after `through`
    }
    got = month_progress(policy, calendar, NEW, Month(2026, 11), by_day, date(2026, 11, 21))
    # 52 + 48 + 55 + 10 = 165 calls; 7500 + 7000 + 7800 + 600 = 22900 s; 2 + 0 + 3 + 0 members
    assert got.totals == Totals(165, 22900, 5)
    assert got.quota == MonthlyQuota(450, 1080, 9, 21)
    assert got.attainment == Attainment(Fraction(165, 450), Fraction(22900, 1080 * 60), False)
    # 450 - 165 = 285 calls; 1080 × 60 - 22900 = 64800 - 22900 = 41900 s = 698.33 min -> 699
    assert got.shortfall == Shortfall(285, 699)
    # assessed days after Sat 21 Nov: 23, 24, 25, 26, 27, 30 = 6
    assert got.days_left == 6
    assert got.days_assessed == 3  # 18, 19, 20 Nov
    # 285 / 6 = 47.5 -> 48 calls a day; 41900 s / 6 = 6983.3 s = 116.39 min -> 117
    assert got.pace == Shortfall(48, 117)


def test_a_closed_month_has_no_pace(policy, calendar):
    month = Month(2026, 11)
    by_day = {d: Totals(60, minutes(149)) for d in calendar.month_working_days(month)}
    got = month_progress(policy, calendar, VETERAN, month, by_day, month.last)
    # 21 × 60 = 1260 calls, 21 × 149 = 3129 minutes against 21 × 60 = 1260 / 21 × 150 = 3150:
    # the calls met exactly, a minute short each day is 21 minutes short
    assert got.totals == Totals(1260, minutes(3129))
    assert got.quota == MonthlyQuota(1260, 3150, 21, 21)
    assert got.shortfall == Shortfall(0, 21)
    assert (got.days_left, got.days_assessed, got.pace) == (0, 21, None)
    assert got.attainment.met is False


def test_quota_reached_early_has_no_pace(policy, calendar):
    by_day = {date(2026, 11, 2): Totals(1400, minutes(3400))}
    got = month_progress(policy, calendar, VETERAN, Month(2026, 11), by_day, date(2026, 11, 13))
    assert got.shortfall == Shortfall(0, 0)
    assert got.attainment.met is True
    # 16-20, 23-27, 30 Nov = 11 days left; 2-6, 9-13 Nov = 10 assessed so far
    assert (got.days_left, got.days_assessed, got.pace) == (11, 10, None)


def test_month_to_date_on_a_holiday(policy, calendar):
    # Through Wed 7 Oct 2026, the last day of National Day: no working day has passed yet.
    by_day = {date(2026, 10, 3): Totals(20, minutes(50))}
    got = month_progress(policy, calendar, VETERAN, Month(2026, 10), by_day, date(2026, 10, 7))
    assert got.totals == Totals(20, minutes(50))
    assert (got.days_left, got.days_assessed) == (18, 0)
    # October's 18 working days: 18 × 60 = 1080 calls, 18 × 150 = 2700 minutes.
    # (1080 - 20) / 18 = 58.9 -> 59 calls; (2700 - 50) / 18 = 147.2 -> 148 minutes
    assert got.quota == MonthlyQuota(1080, 2700, 18, 18)
    assert got.pace == Shortfall(59, 148)


def test_a_month_with_no_assessed_day(policy, calendar):
    # Hired Fri 27 Nov 2026: the whole rest of November is the exempt week.
    agent = Agent("N", hire_date=date(2026, 11, 27))
    by_day = {date(2026, 11, 27): Totals(50, minutes(120))}
    got = month_progress(policy, calendar, agent, Month(2026, 11), by_day, date(2026, 11, 30))
    assert got.totals == Totals()
    assert got.quota == MonthlyQuota(0, 0, 0, 21)
    assert (got.attainment, got.pace, got.days_left, got.days_assessed) == (None, None, 0, 0)
    assert got.shortfall == Shortfall(0, 0)


def test_today_is_among_the_days_left_when_asked_for(policy, calendar):
    by_day = {date(2026, 11, 2): Totals(60, minutes(150))}
    month, wednesday, saturday = Month(2026, 11), date(2026, 11, 4), date(2026, 11, 7)
    after = month_progress(policy, calendar, VETERAN, month, by_day, wednesday)
    today = month_progress(policy, calendar, VETERAN, month, by_day, wednesday, days_left_from=wednesday)
    # 4-6, 9-13, 16-20, 23-27, 30 Nov = 19 days from Wed 4 Nov on; 18 after it.
    assert (after.days_left, today.days_left, after.days_assessed, today.days_assessed) == (18, 19, 3, 3)
    # November: 21 × 60 = 1,260 calls, 21 × 150 = 3,150 min. 1,200 / 19 = 63.2 -> 64 calls;
    # (3,150 - 150) min = 180,000 s / 19 = 157.9 min -> 158
    assert today.pace == Shortfall(64, 158)
    rest_day = month_progress(policy, calendar, VETERAN, month, by_day, saturday, days_left_from=saturday)
    assert rest_day.days_left == 16  # a rest day is no day left: 9 Nov on


def test_a_leave_date_in_the_month_is_told(policy, calendar):
    leaver = Agent("L", hire_date=date(2020, 1, 1), leave_date=date(2026, 11, 16))
    november = month_progress(policy, calendar, leaver, Month(2026, 11), {}, date(2026, 11, 20))
    october = month_progress(policy, calendar, leaver, Month(2026, 10), {}, date(2026, 10, 31))
    assert (november.left_on, october.left_on) == (date(2026, 11, 16), None)


# --- one story: the day, the month and the pace ---------------------------------------


@pytest.mark.parametrize(
    "month, working_days",
    [(Month(2026, 2), 16), (Month(2026, 10), 18), (Month(2026, 11), 21), (Month(2026, 9), 22),
     (Month(2026, 7), 23)],
    ids=str,
)
def test_meeting_the_day_every_day_meets_the_month(policy, calendar, month, working_days):
    days = list(calendar.month_working_days(month))
    by_day = {d: Totals(60, minutes(150)) for d in days}
    for n, day in enumerate(days[:-1], start=1):  # each evening, on track: the pace is the day's
        got = month_progress(policy, calendar, VETERAN, month, by_day, day)
        assert (got.days_assessed, got.days_left) == (n, working_days - n)
        assert got.pace == Shortfall(60, 150)
    closed = month_progress(policy, calendar, VETERAN, month, by_day, month.last)
    assert closed.quota == MonthlyQuota(60 * working_days, 150 * working_days, working_days, working_days)
    assert closed.shortfall == Shortfall(0, 0)
    assert closed.attainment == Attainment(Fraction(1), Fraction(1), True)
    assert closed.pace is None


def test_february_2026_a_veteran_meeting_every_day(policy, calendar):
    # February 2026's 16 working days (2-6, 9-13, Sat 14, 24-28 with Sat 28), from the official
    # calendar: 16 × 60 = 960 calls and 16 × 150 = 2,400 minutes.
    february = Month(2026, 2)
    days = list(calendar.month_working_days(february))
    assert len(days) == 16
    by_day = {d: Totals(60, minutes(150)) for d in days}
    closed = month_progress(policy, calendar, VETERAN, february, by_day, february.last)
    assert closed.totals == Totals(960, minutes(2400))
    assert closed.quota == MonthlyQuota(960, 2400, 16, 16)
    assert closed.attainment.met and closed.shortfall == Shortfall(0, 0)
    assert percent(closed.attainment.mean) == 100.0
    # Mid-month, the evening of Fri 13 Feb: 2-6 and 9-13 done, 10 × 60 = 600 calls and
    # 10 × 150 = 1,500 minutes; left Sat 14 and 24-28 = 6 days:
    # (960 - 600) / 6 = 60 calls, (2,400 - 1,500) / 6 = 150 minutes a day.
    mid = month_progress(policy, calendar, VETERAN, february, by_day, date(2026, 2, 13))
    assert (mid.totals, mid.days_assessed, mid.days_left) == (Totals(600, minutes(1500)), 10, 6)
    assert mid.pace == Shortfall(60, 150)
    # Through the festival (Mon 16 to Mon 23 Feb, nothing to do) the pace stays 60 and 150:
    # 11 days done (660 / 1,650), 24-28 left, (960 - 660) / 5 = 60, (2,400 - 1,650) / 5 = 150.
    festival = month_progress(policy, calendar, VETERAN, february, by_day, date(2026, 2, 18))
    assert (festival.days_assessed, festival.days_left, festival.pace) == (11, 5, Shortfall(60, 150))
    # Shown on Mon 9 Feb, today still to do: 2-6 done (300 / 750), 9-14 and 24-28 = 11 days:
    # (960 - 300) / 11 = 60, (2,400 - 750) / 11 = 150.
    monday = date(2026, 2, 9)
    today = month_progress(policy, calendar, VETERAN, february,
                           {d: t for d, t in by_day.items() if d < monday}, monday,
                           days_left_from=monday)
    assert (today.days_left, today.pace) == (11, Shortfall(60, 150))


def test_february_2026_short_by_a_day_is_a_day_short(policy, calendar):
    # Every working day but Fri 27 Feb at 60 / 150: 15 × 60 = 900 of 960 calls, 15 × 150 =
    # 2,250 of 2,400 minutes, short by exactly the missed day's quota, 60 and 150.
    february = Month(2026, 2)
    by_day = {d: Totals(60, minutes(150)) for d in calendar.month_working_days(february)
              if d != date(2026, 2, 27)}
    closed = month_progress(policy, calendar, VETERAN, february, by_day, february.last)
    assert closed.shortfall == Shortfall(60, 150)
    # (900 / 960 + 2250 / 2400) / 2 = (15/16 + 15/16) / 2 = 15/16 = 93.75 % -> 93.8
    assert percent(closed.attainment.mean) == 93.8


# --- many agents at once ----------------------------------------------------------------

HIRES = [date(2019, 5, 6), date(2026, 7, 31), date(2026, 8, 1), date(2026, 8, 2), date(2026, 8, 31),
         date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26), date(2026, 11, 1), date(2026, 11, 11),
         date(2026, 11, 24), date(2026, 11, 30), date(2026, 12, 1)]
LEAVES = [None, date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 16), date(2026, 11, 30),
          date(2026, 12, 1), date(2027, 3, 1)]
MANY = [Agent(f"A{n}", hired, left, tier) for n, (hired, left, tier) in enumerate(
    (h, l, t) for h in HIRES for l in LEAVES for t in (None, "new_hire", "veteran") if l is None or l >= h)]


@pytest.mark.parametrize("through, days_left_from", [
    (date(2026, 11, 30), None), (date(2026, 11, 18), None), (date(2026, 11, 18), date(2026, 11, 18)),
    (date(2026, 10, 31), None)])
def test_many_agents_at_once_are_each_as_alone(policy, calendar, through, days_left_from):
    # Every day of November with work on it, weekends too; the work that counts left to counted().
    month = Month(2026, 11)
    by_day = {d: Totals(40 + d.day, 6000 + 30 * d.day, d.day % 3) for d in month.days()}
    worked = [(agent, counted(policy, agent, month, by_day, through)) for agent in MANY]
    alone = [month_progress(policy, calendar, agent, month, by_day, through, days_left_from) for agent in MANY]
    assert list(month_progresses(policy, calendar, month, worked, through, days_left_from)) == alone


@pytest.mark.parametrize("month", [Month(2026, 2), Month(2026, 11), Month(2026, 12)], ids=str)
def test_the_hires_with_exempt_days_in_a_month_are_those_found_day_by_day(policy, month):
    first, last = exempt_hires(policy, month)
    for n in range(-40, 40):
        hired = month.first + timedelta(days=n)
        agent = Agent("N", hire_date=hired)
        assert (first <= hired <= last) == any(is_exempt(policy, agent, d) for d in month.days())


def test_percent_rounds_as_the_fraction_does():
    import math
    for n in range(0, 2001):
        for d in (1, 3, 7, 8, 16, 40, 1260, 3150 * 60):
            ratio = Fraction(n, d)
            assert percent(ratio) == math.floor(ratio * 1000 + Fraction(1, 2)) / 10


def test_the_mean_of_an_attainment_is_the_mean_of_its_parts():
    for calls in (Fraction(0), Fraction(1), Fraction(7, 8), Fraction(1350, 1260), Fraction(61, 1260)):
        for talk in (Fraction(0), Fraction(3, 4), Fraction(199950, 189000), Fraction(9000, 9000)):
            assert Attainment(calls, talk, False).mean == (calls + talk) / 2
