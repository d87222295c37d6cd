"""The month's outcome for pay (000): basic quota and incentive target, with the seeds' numbers
(members developed: new hire 600, veteran 700; incentive only: base pay less 100)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from scoring.calendar import Month
from scoring.outcome import BASIC_ONLY, BOTH, INCENTIVE_ONLY, NEITHER, members_target, month_outcome
from scoring.progress import Totals, month_progress
from scoring.quotas import Agent

NOVEMBER = Month(2026, 11)  # 21 working days in China
VETERAN = Agent("V1", hire_date=date(2020, 1, 1))


def outcome(policy, calendar, agent, calls_a_day, members):
    """The November outcome of an agent who made `calls_a_day` calls of 150 minutes in all on
    every working day."""
    days = {d: Totals(calls_a_day, 150 * 60) for d in calendar.month_working_days(NOVEMBER)}
    progress = month_progress(policy, calendar, agent, NOVEMBER, days, NOVEMBER.last)
    return month_outcome(policy, calendar, agent, progress, members)


@pytest.mark.parametrize(("calls_a_day", "members", "code", "cut"), [
    (60, 700, BOTH, 0),
    (60, 699, BASIC_ONLY, 0),
    (59, 700, INCENTIVE_ONLY, 100),  # 1,239 of 1,260 calls: the basic quota is missed
    (59, 699, NEITHER, 0),
])
def test_the_four_outcomes_of_a_veterans_full_month(policy, calendar, calls_a_day, members, code, cut):
    found = outcome(policy, calendar, VETERAN, calls_a_day, members)
    assert (found.code, found.members_target, found.base_pay_cut) == (code, 700, cut)
    assert found.incentive_met == (members >= 700)


def test_a_new_hire_assessed_for_part_of_the_month_has_the_target_pro_rated(policy, calendar):
    """Hired Tue 17 Nov; the first week is exempt, so assessed on 24-27 and 30 Nov: 5 of the
    month's 21 working days, 600 x 5 / 21 = 142.9, rounded up to 143 members."""
    hired = Agent("N1", hire_date=date(2026, 11, 17))
    assert members_target(policy, calendar, hired, NOVEMBER) == 143
    assert outcome(policy, calendar, hired, 50, 143).code == BOTH
    assert outcome(policy, calendar, hired, 50, 142).code == BASIC_ONLY


def test_a_month_in_which_a_new_hire_becomes_a_veteran_counts_each_day_in_its_tier(policy, calendar):
    """Hired 16 Aug: a new hire until 15 Nov (10 working days at 600/21), a veteran from 16 Nov
    (11 at 700/21): 13,700 / 21 = 652.4, so 653."""
    assert members_target(policy, calendar, Agent("T1", hire_date=date(2026, 8, 16)), NOVEMBER) == 653


def test_a_leaver_is_pro_rated_too(policy, calendar):
    """Left Fri 13 Nov: assessed on 10 working days, 700 x 10 / 21 = 333.3, so 334."""
    assert members_target(policy, calendar, replace(VETERAN, leave_date=date(2026, 11, 13)), NOVEMBER) == 334


def test_no_outcome_for_a_month_not_assessed_or_without_an_incentive_target(policy, calendar):
    in_first_week = Agent("N2", hire_date=date(2026, 11, 25))  # exempt to 1 Dec: no day assessed
    assert outcome(policy, calendar, in_first_week, 50, 900) is None
    no_target = replace(policy, tiers={name: replace(t, monthly_members=0) for name, t in policy.tiers.items()})
    assert outcome(no_target, calendar, VETERAN, 60, 900) is None


def test_the_cut_is_the_policys(policy, calendar):
    assert outcome(replace(policy, incentive_only_cut=250), calendar, VETERAN, 0, 700).base_pay_cut == 250


@pytest.mark.parametrize("agent", [
    VETERAN, Agent("N1", hire_date=date(2026, 11, 17)), Agent("T1", hire_date=date(2026, 8, 16)),
    replace(VETERAN, leave_date=date(2026, 11, 13)),
], ids=["veteran", "hired", "tier", "leaver"])
def test_the_target_is_the_same_when_the_days_assessed_are_given(policy, calendar, agent):
    days = {d: Totals(60, 150 * 60) for d in calendar.month_working_days(NOVEMBER)}
    progress = month_progress(policy, calendar, agent, NOVEMBER, days, NOVEMBER.last)
    assert members_target(policy, calendar, agent, NOVEMBER, progress.quota.assessed_days) == \
        members_target(policy, calendar, agent, NOVEMBER)
