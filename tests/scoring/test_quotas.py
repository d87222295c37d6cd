"""Quotas: the tier on a day (three months of probation), the exempt first week, the day's
status and quota, and the month's quota: the daily quotas of the working days assessed, added up."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.calendar import Month
from scoring.quotas import (
    ASSESSED,
    EXEMPT,
    NOT_EMPLOYED,
    REST_DAY,
    Agent,
    MonthlyQuota,
    Quota,
    add_months,
    assessed_days,
    daily_quota,
    day_status,
    is_employed,
    is_exempt,
    monthly_quota,
    tier_on,
)

VETERAN = Agent("V1", hire_date=date(2020, 1, 1))

# --- tier_on ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hired, day, tier",
    [
        (date(2026, 1, 15), date(2026, 1, 15), "new_hire"),
        (date(2026, 1, 15), date(2026, 4, 14), "new_hire"),
        (date(2026, 1, 15), date(2026, 4, 15), "veteran"),  # exactly three months on
        (date(2026, 8, 31), date(2026, 11, 29), "new_hire"),
        (date(2026, 8, 31), date(2026, 11, 30), "veteran"),  # 31 Nov does not exist: 30 Nov
        (date(2025, 11, 30), date(2026, 2, 27), "new_hire"),
        (date(2025, 11, 30), date(2026, 2, 28), "veteran"),  # clamped to February's end
        (date(2023, 11, 30), date(2024, 2, 28), "new_hire"),
        (date(2023, 11, 30), date(2024, 2, 29), "veteran"),  # leap year
        (date(2026, 10, 31), date(2027, 1, 30), "new_hire"),  # across the year end
        (date(2026, 10, 31), date(2027, 1, 31), "veteran"),
        (date(2020, 1, 1), date(2026, 11, 22), "veteran"),
    ],
    ids=lambda v: str(v),
)
def test_tier_by_tenure(policy, hired, day, tier):
    assert tier_on(policy, Agent("A", hire_date=hired), day).name == tier


@pytest.mark.parametrize(
    "day, months, result",
    [
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 5, 20), 0, date(2026, 5, 20)),
        (date(2026, 5, 20), 12, date(2027, 5, 20)),
    ],
    ids=lambda v: str(v),
)
def test_add_months(day, months, result):
    assert add_months(day, months) == result


@pytest.mark.parametrize(
    "override, hired, day, tier",
    [
        ("veteran", date(2026, 11, 20), date(2026, 11, 22), "veteran"),
        ("new_hire", date(2010, 3, 1), date(2026, 11, 22), "new_hire"),
    ],
    ids=["veteran-from-day-one", "new-hire-for-good"],
)
def test_tier_override(policy, override, hired, day, tier):
    agent = Agent("A", hire_date=hired, tier=override)
    assert tier_on(policy, agent, day).name == tier


# --- employment and the exempt first week ---------------------------------------------


@pytest.mark.parametrize(
    "day, exempt",
    [
        (date(2026, 11, 1), False),  # before the hire date
        (date(2026, 11, 2), True),  # hire date: day 1
        (date(2026, 11, 8), True),  # day 7, the last exempt day
        (date(2026, 11, 9), False),  # day 8
        (date(2026, 12, 2), False),
    ],
    ids=lambda v: str(v),
)
def test_first_week_is_exempt(policy, day, exempt):
    assert is_exempt(policy, Agent("N", hire_date=date(2026, 11, 2)), day) is exempt


@pytest.mark.parametrize(
    "day, employed",
    [
        (date(2026, 11, 1), False),
        (date(2026, 11, 2), True),
        (date(2026, 11, 27), True),  # the leave date itself
        (date(2026, 11, 28), False),
    ],
    ids=lambda v: str(v),
)
def test_is_employed(day, employed):
    agent = Agent("N", hire_date=date(2026, 11, 2), leave_date=date(2026, 11, 27))
    assert is_employed(agent, day) is employed


# --- day_status and daily_quota --------------------------------------------------------

NEW = Agent("N", hire_date=date(2026, 11, 2), leave_date=date(2026, 11, 27))


@pytest.mark.parametrize(
    "agent, day, status",
    [
        (NEW, date(2026, 10, 30), NOT_EMPLOYED),
        (NEW, date(2026, 11, 2), EXEMPT),
        (NEW, date(2026, 11, 6), EXEMPT),
        (NEW, date(2026, 11, 7), REST_DAY),  # a Saturday in the first week
        (NEW, date(2026, 11, 9), ASSESSED),
        (NEW, date(2026, 11, 22), REST_DAY),
        (NEW, date(2026, 11, 27), ASSESSED),  # the leave date
        (NEW, date(2026, 11, 30), NOT_EMPLOYED),
        (VETERAN, date(2026, 10, 1), REST_DAY),  # National Day
        (VETERAN, date(2026, 10, 10), ASSESSED),  # make-up Saturday
        (VETERAN, date(2026, 9, 25), REST_DAY),  # Mid-Autumn Festival
    ],
    ids=lambda v: str(v) if isinstance(v, date) else None,
)
def test_day_status(policy, calendar, agent, day, status):
    assert day_status(policy, calendar, agent, day) == status


@pytest.mark.parametrize(
    "agent, day, quota",
    [
        (VETERAN, date(2026, 11, 23), Quota(60, 150)),
        (VETERAN, date(2026, 10, 10), Quota(60, 150)),
        (VETERAN, date(2026, 11, 22), None),
        (NEW, date(2026, 11, 9), Quota(50, 120)),
        (NEW, date(2026, 11, 3), None),
        (NEW, date(2026, 11, 30), None),
        (Agent("A", hire_date=date(2026, 8, 31)), date(2026, 11, 27), Quota(50, 120)),
        (Agent("A", hire_date=date(2026, 8, 31)), date(2026, 11, 30), Quota(60, 150)),
        (Agent("A", hire_date=date(2026, 11, 2), tier="veteran"), date(2026, 11, 9), Quota(60, 150)),
    ],
    ids=["veteran", "veteran-make-up-day", "veteran-sunday", "new-hire", "new-hire-exempt",
         "after-leaving", "last-new-hire-day", "first-veteran-day", "override"],
)
def test_daily_quota(policy, calendar, agent, day, quota):
    assert daily_quota(policy, calendar, agent, day) == quota


# --- monthly_quota ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "month, working_days, veteran_quota, new_hire_quota, new_hire_hired",
    [
        # A full month is its working days × the daily quota (veteran 60 / 150, new hire
        # 50 / 120). New hires are chosen so the exempt week is in an earlier month and
        # probation lasts past the month's end.
        # 18 × 60 = 1,080, 18 × 150 = 2,700; 18 × 50 = 900, 18 × 120 = 2,160
        (Month(2025, 10), 18, (1080, 2700), (900, 2160), date(2025, 9, 1)),
        (Month(2026, 10), 18, (1080, 2700), (900, 2160), date(2026, 9, 1)),
        # 21 × 60 = 1,260, 21 × 150 = 3,150; 21 × 50 = 1,050, 21 × 120 = 2,520
        (Month(2026, 11), 21, (1260, 3150), (1050, 2520), date(2026, 10, 1)),
        # 22 days: the seeds' monthly figures, 22 × 60 = 1,320 and 22 × 150 = 3,300;
        # 22 × 50 = 1,100 and 22 × 120 = 2,640
        (Month(2026, 9), 22, (1320, 3300), (1100, 2640), date(2026, 8, 3)),
        # 23 × 60 = 1,380, 23 × 150 = 3,450; 23 × 50 = 1,150, 23 × 120 = 2,760
        (Month(2026, 7), 23, (1380, 3450), (1150, 2760), date(2026, 6, 1)),
        (Month(2026, 12), 23, (1380, 3450), (1150, 2760), date(2026, 11, 2)),
        # 16 × 60 = 960, 16 × 150 = 2,400; 16 × 50 = 800, 16 × 120 = 1,920
        (Month(2026, 2), 16, (960, 2400), (800, 1920), date(2026, 1, 5)),
    ],
    ids=str,
)
def test_a_full_month_is_its_working_days_of_the_daily_quota(policy, calendar, month, working_days,
                                                             veteran_quota, new_hire_quota,
                                                             new_hire_hired):
    veteran = monthly_quota(policy, calendar, VETERAN, month)
    new_hire = monthly_quota(policy, calendar, Agent("N", hire_date=new_hire_hired), month)
    assert veteran == MonthlyQuota(*veteran_quota, working_days, working_days)
    assert new_hire == MonthlyQuota(*new_hire_quota, working_days, working_days)
    assert not veteran.is_prorated and not new_hire.is_prorated


def test_february_2026_from_the_official_calendar(policy, calendar):
    # Spring Festival 15-23 Feb 2026 is off; Sat 14 and Sat 28 Feb are make-up working days.
    # Working days: 2-6, 9-13, 14, 24-28 = 5 + 5 + 1 + 5 = 16.
    february = Month(2026, 2)
    expected = ([date(2026, 2, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14)]
                + [date(2026, 2, d) for d in (24, 25, 26, 27, 28)])
    assert list(calendar.month_working_days(february)) == expected
    # 16 × 60 = 960 calls and 16 × 150 = 2,400 minutes: not the 1,320 / 3,300 of 22 days
    assert monthly_quota(policy, calendar, VETERAN, february) == MonthlyQuota(960, 2400, 16, 16)


def test_full_month_with_a_tier_override(policy, calendar):
    # a new hire for good: 21 × 50 = 1,050 calls, 21 × 120 = 2,520 minutes
    agent = Agent("N", hire_date=date(2010, 1, 1), tier="new_hire")
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == MonthlyQuota(1050, 2520, 21, 21)


def test_hired_mid_month(policy, calendar):
    # Hired Wed 11 Nov 2026: 11-17 Nov exempt. Assessed working days 18, 19, 20, 23-27, 30
    # Nov = 9 of 21, all as a new hire: 9 × 50 = 450 calls, 9 × 120 = 1,080 minutes.
    agent = Agent("N", hire_date=date(2026, 11, 11))
    quota = monthly_quota(policy, calendar, agent, Month(2026, 11))
    assert quota == MonthlyQuota(450, 1080, 9, 21)
    assert quota.is_prorated
    assert assessed_days(policy, calendar, agent, Month(2026, 11))[0] == date(2026, 11, 18)


def test_exempt_week_spilling_into_the_next_month(policy, calendar):
    # Hired Fri 27 Nov 2026: exempt 27 Nov - 3 Dec. November: nothing assessed.
    # December 2026 has 23 working days (1-4, 7-11, 14-18, 21-25, 28-31); assessed from
    # Fri 4 Dec: 4, 7-11, 14-18, 21-25, 28-31 = 1 + 5 + 5 + 5 + 4 = 20, as a new hire:
    # 20 × 50 = 1,000 calls, 20 × 120 = 2,400 minutes.
    agent = Agent("N", hire_date=date(2026, 11, 27))
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == MonthlyQuota(0, 0, 0, 21)
    assert monthly_quota(policy, calendar, agent, Month(2026, 12)) == MonthlyQuota(1000, 2400, 20, 23)


def test_left_mid_month(policy, calendar):
    # Veteran leaving Fri 13 Nov 2026: assessed 2-6 and 9-13 Nov = 10 of 21:
    # 10 × 60 = 600 calls, 10 × 150 = 1,500 minutes.
    agent = Agent("V", hire_date=date(2020, 1, 1), leave_date=date(2026, 11, 13))
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == MonthlyQuota(600, 1500, 10, 21)


@pytest.mark.parametrize(
    "leave, quota",
    [
        # February 2026 has 16 working days; a veteran leaving after k of them has k days of
        # 60 / 150, whole numbers with nothing to round:
        (date(2026, 2, 2), MonthlyQuota(60, 150, 1, 16)),  # Mon 2: 1 × 60, 1 × 150
        (date(2026, 2, 3), MonthlyQuota(120, 300, 2, 16)),  # Tue 3: 2 × 60, 2 × 150
        (date(2026, 2, 8), MonthlyQuota(300, 750, 5, 16)),  # Sun 8: 2-6 Feb, 5 × 60, 5 × 150
        (date(2026, 2, 14), MonthlyQuota(660, 1650, 11, 16)),  # the make-up Sat 14: 11 days
        (date(2026, 2, 23), MonthlyQuota(660, 1650, 11, 16)),  # the festival adds no day
    ],
    ids=["one-day", "two-days", "first-week", "make-up-saturday", "over-the-festival"],
)
def test_a_partial_month_is_its_assessed_days(policy, calendar, leave, quota):
    agent = Agent("V", hire_date=date(2020, 1, 1), leave_date=leave)
    assert monthly_quota(policy, calendar, agent, Month(2026, 2)) == quota


def test_hired_and_left_in_the_same_month(policy, calendar):
    # Hired Mon 2 Nov 2026 (exempt 2-8 Nov), left Fri 20 Nov: assessed 9-13, 16-20 = 10 of 21,
    # as a new hire: 10 × 50 = 500 calls, 10 × 120 = 1,200 minutes.
    agent = Agent("N", hire_date=date(2026, 11, 2), leave_date=date(2026, 11, 20))
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == MonthlyQuota(500, 1200, 10, 21)


@pytest.mark.parametrize(
    "hired, quota",
    [
        # Hired 31 Aug 2026: veteran from Mon 30 Nov. November: 20 new-hire working days
        # (2-27 Nov) and 1 veteran day (30 Nov).
        #   calls   20 × 50 + 1 × 60 = 1000 + 60 = 1060
        #   minutes 20 × 120 + 1 × 150 = 2400 + 150 = 2550
        (date(2026, 8, 31), MonthlyQuota(1060, 2550, 21, 21)),
        # Hired 15 Aug 2026: veteran from Sun 15 Nov. New hire 2-6, 9-13 Nov (10 days),
        # veteran 16-20, 23-27, 30 Nov (11 days).
        #   calls   10 × 50 + 11 × 60 = 500 + 660 = 1160
        #   minutes 10 × 120 + 11 × 150 = 1200 + 1650 = 2850
        (date(2026, 8, 15), MonthlyQuota(1160, 2850, 21, 21)),
    ],
    ids=["veteran-on-the-last-day", "veteran-mid-month"],
)
def test_tier_change_mid_month_counts_each_day_in_its_tier(policy, calendar, hired, quota):
    agent = Agent("N", hire_date=hired)
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == quota


def test_the_month_is_the_sum_of_its_daily_quotas(policy, calendar):
    # The same figures read day by day: whatever the tiers, the days add up to the month.
    agent = Agent("N", hire_date=date(2026, 8, 15), leave_date=date(2026, 11, 24))
    month = Month(2026, 11)
    days = [daily_quota(policy, calendar, agent, d) for d in month.days()]
    quotas = [q for q in days if q is not None]
    got = monthly_quota(policy, calendar, agent, month)
    # new hire 2-6, 9-13 (10 days), veteran 16-20, 23, 24 (7 days):
    # 10 × 50 + 7 × 60 = 920 calls, 10 × 120 + 7 × 150 = 2,250 minutes
    assert got == MonthlyQuota(920, 2250, 17, 21)
    assert (sum(q.calls for q in quotas), sum(q.talk_minutes for q in quotas)) == (920, 2250)


def test_not_employed_in_the_month(policy, calendar):
    gone = Agent("G", hire_date=date(2020, 1, 1), leave_date=date(2026, 10, 30))
    assert monthly_quota(policy, calendar, gone, Month(2026, 11)) == MonthlyQuota(0, 0, 0, 21)
