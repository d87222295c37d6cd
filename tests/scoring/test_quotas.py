"""Quotas: the tier on a day (three months of probation), the exempt first week, the day's
status and quota, and the month's quota pro-rated by the working days assessed."""

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
    "month, working_days, new_hire_hired",
    [
        # new hires chosen so the exempt week is in an earlier month and probation
        # lasts past the month's end
        (Month(2025, 10), 18, date(2025, 9, 1)),
        (Month(2026, 10), 18, date(2026, 9, 1)),
        (Month(2026, 11), 21, date(2026, 10, 1)),
        (Month(2026, 9), 22, date(2026, 8, 3)),
        (Month(2026, 7), 23, date(2026, 6, 1)),
        (Month(2026, 2), 16, date(2026, 1, 5)),
    ],
    ids=str,
)
def test_a_full_month_is_exactly_the_policy_figure(policy, calendar, month, working_days,
                                                  new_hire_hired):
    veteran = monthly_quota(policy, calendar, VETERAN, month)
    new_hire = monthly_quota(policy, calendar, Agent("N", hire_date=new_hire_hired), month)
    assert veteran == MonthlyQuota(1320, 3300, working_days, working_days)
    assert new_hire == MonthlyQuota(1100, 2640, working_days, working_days)
    assert not veteran.is_prorated and not new_hire.is_prorated


def test_full_month_with_a_tier_override(policy, calendar):
    agent = Agent("N", hire_date=date(2010, 1, 1), tier="new_hire")
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == MonthlyQuota(1100, 2640, 21, 21)


def test_hired_mid_month(policy, calendar):
    # Hired Wed 11 Nov 2026: 11-17 Nov exempt. Assessed working days 18, 19, 20, 23-27, 30
    # Nov = 9 of 21, all as a new hire.
    #   calls   1100 × 9 / 21 =  9900 / 21 =  471.43 -> 471
    #   minutes 2640 × 9 / 21 = 23760 / 21 = 1131.43 -> 1131
    agent = Agent("N", hire_date=date(2026, 11, 11))
    quota = monthly_quota(policy, calendar, agent, Month(2026, 11))
    assert quota == MonthlyQuota(471, 1131, 9, 21)
    assert quota.is_prorated
    assert assessed_days(policy, calendar, agent, Month(2026, 11))[0] == date(2026, 11, 18)


def test_exempt_week_spilling_into_the_next_month(policy, calendar):
    # Hired Fri 27 Nov 2026: exempt 27 Nov - 3 Dec. November: nothing assessed.
    # December 2026 has 23 working days (1-4, 7-11, 14-18, 21-25, 28-31); assessed from
    # Fri 4 Dec: 4, 7-11, 14-18, 21-25, 28-31 = 1 + 5 + 5 + 5 + 4 = 20.
    #   calls   1100 × 20 / 23 = 22000 / 23 =  956.52 -> 957
    #   minutes 2640 × 20 / 23 = 52800 / 23 = 2295.65 -> 2296
    agent = Agent("N", hire_date=date(2026, 11, 27))
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == MonthlyQuota(0, 0, 0, 21)
    assert monthly_quota(policy, calendar, agent, Month(2026, 12)) == MonthlyQuota(957, 2296, 20, 23)


def test_left_mid_month(policy, calendar):
    # Veteran leaving Fri 13 Nov 2026: assessed 2-6 and 9-13 Nov = 10 of 21.
    #   calls   1320 × 10 / 21 = 13200 / 21 =  628.57 -> 629
    #   minutes 3300 × 10 / 21 = 33000 / 21 = 1571.43 -> 1571
    agent = Agent("V", hire_date=date(2020, 1, 1), leave_date=date(2026, 11, 13))
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == MonthlyQuota(629, 1571, 10, 21)


@pytest.mark.parametrize(
    "leave, quota",
    [
        # February 2026 has 16 working days; a veteran leaving after k of them:
        # k = 1: 1320 / 16 =  82.5  -> 83 (half up) ; 3300 / 16 = 206.25 -> 206
        (date(2026, 2, 2), MonthlyQuota(83, 206, 1, 16)),
        # k = 2: 2640 / 16 = 165        ; 6600 / 16 = 412.5  -> 413 (half up)
        (date(2026, 2, 3), MonthlyQuota(165, 413, 2, 16)),
        # k = 3: 3960 / 16 = 247.5 -> 248 ; 9900 / 16 = 618.75 -> 619
        (date(2026, 2, 4), MonthlyQuota(248, 619, 3, 16)),
    ],
    ids=["one-day", "two-days", "three-days"],
)
def test_prorating_rounds_half_up(policy, calendar, leave, quota):
    agent = Agent("V", hire_date=date(2020, 1, 1), leave_date=leave)
    assert monthly_quota(policy, calendar, agent, Month(2026, 2)) == quota


def test_hired_and_left_in_the_same_month(policy, calendar):
    # Hired Mon 2 Nov 2026 (exempt 2-8 Nov), left Fri 20 Nov: assessed 9-13, 16-20 = 10 of 21.
    #   calls   1100 × 10 / 21 = 11000 / 21 =  523.81 -> 524
    #   minutes 2640 × 10 / 21 = 26400 / 21 = 1257.14 -> 1257
    agent = Agent("N", hire_date=date(2026, 11, 2), leave_date=date(2026, 11, 20))
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == MonthlyQuota(524, 1257, 10, 21)


@pytest.mark.parametrize(
    "hired, quota",
    [
        # Hired 31 Aug 2026: veteran from Mon 30 Nov. November: 20 new-hire working days
        # (2-27 Nov) and 1 veteran day (30 Nov).
        #   calls   (20 × 1100 + 1 × 1320) / 21 = 23320 / 21 = 1110.48 -> 1110
        #   minutes (20 × 2640 + 1 × 3300) / 21 = 56100 / 21 = 2671.43 -> 2671
        (date(2026, 8, 31), MonthlyQuota(1110, 2671, 21, 21)),
        # Hired 15 Aug 2026: veteran from Sun 15 Nov. New hire 2-6, 9-13 Nov (10 days),
        # veteran 16-20, 23-27, 30 Nov (11 days).
        #   calls   (10 × 1100 + 11 × 1320) / 21 = 25520 / 21 = 1215.24 -> 1215
        #   minutes (10 × 2640 + 11 × 3300) / 21 = 62700 / 21 = 2985.71 -> 2986
        (date(2026, 8, 15), MonthlyQuota(1215, 2986, 21, 21)),
    ],
    ids=["veteran-on-the-last-day", "veteran-mid-month"],
)
def test_tier_change_mid_month_is_weighted_per_day(policy, calendar, hired, quota):
    agent = Agent("N", hire_date=hired)
    assert monthly_quota(policy, calendar, agent, Month(2026, 11)) == quota


def test_not_employed_in_the_month(policy, calendar):
    gone = Agent("G", hire_date=date(2020, 1, 1), leave_date=date(2026, 10, 30))
    assert monthly_quota(policy, calendar, gone, Month(2026, 11)) == MonthlyQuota(0, 0, 0, 21)
