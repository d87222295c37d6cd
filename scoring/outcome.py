"""The month's outcome for pay (000, 客服员工考核): the basic quota (基本量) and the incentive
target (激励量, members developed), each met or not.

    both met          base pay and the incentive bonus
    basic only        base pay, no incentive bonus
    incentive only    the incentive bonus, and the base pay less `policy.incentive_only_cut`
    neither           pay by how much of the basic quota was met

A month the agent is assessed only in part (joined, left, on leave) has its incentive target
pro-rated as its basic quota is: each assessed working day carries its tier's target divided
by the month's working days; the sum is rounded up to a whole member.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from scoring.calendar import Month, WorkCalendar
from scoring.policy import Policy
from scoring.progress import MonthProgress
from scoring.quotas import Agent, assessed_days, tier_on

BOTH, BASIC_ONLY, INCENTIVE_ONLY, NEITHER = "both", "basic_only", "incentive_only", "neither"


@dataclass(frozen=True)
class Outcome:
    basic_met: bool
    members: int
    members_target: int
    base_pay_cut: int  # taken off the base pay: only when the incentive alone is met

    @property
    def incentive_met(self) -> bool:
        return self.members >= self.members_target

    @property
    def code(self) -> str:
        if self.basic_met:
            return BOTH if self.incentive_met else BASIC_ONLY
        return INCENTIVE_ONLY if self.incentive_met else NEITHER


@dataclass(frozen=True)
class Incentive:
    """The month's members against its incentive target, and, once the month is over, its outcome."""

    members: int
    target: int
    outcome: Outcome | None


def members_target(policy: Policy, cal: WorkCalendar, agent: Agent, month: Month,
                   days_assessed: int | None = None) -> int:
    """The month's incentive target for `agent`, pro-rated to the working days assessed (their
    number, when known, spares counting them again)."""
    working = len(cal.month_working_days(month))
    if working == 0:
        return 0
    first, last = tier_on(policy, agent, month.first), tier_on(policy, agent, month.last)
    if first == last and days_assessed is not None:  # a tier changes once at most: the same all month
        return math.ceil(Fraction(first.monthly_members * days_assessed, working))
    share = sum((Fraction(tier_on(policy, agent, day).monthly_members, working)
                 for day in assessed_days(policy, cal, agent, month)), Fraction(0))
    return math.ceil(share)


def month_incentive(policy: Policy, cal: WorkCalendar, agent: Agent, progress: MonthProgress,
                    members: int | None, over: bool) -> Incentive | None:
    """The month's members against its target, with the outcome once the month is `over`; None
    when the policy sets no target, or the call-center system reported no members (`members`
    None): an outcome on numbers never sent would be a guess."""
    target = members_target(policy, cal, agent, progress.month, progress.quota.assessed_days)
    if target == 0 or members is None:
        return None
    return Incentive(members, target, month_outcome(policy, cal, agent, progress, members) if over else None)


def month_outcome(policy: Policy, cal: WorkCalendar, agent: Agent, progress: MonthProgress,
                  members: int) -> Outcome | None:
    """The outcome of the month `progress` is about, with `members` developed in it (every day
    counts, the exempt first week too: it is exempt from calls and talk time only). None when
    no day of the month is assessed, or the policy sets no incentive target."""
    target = members_target(policy, cal, agent, progress.month, progress.quota.assessed_days)
    if progress.attainment is None or target == 0:
        return None
    basic_met = progress.attainment.met
    cut = policy.incentive_only_cut if not basic_met and members >= target else 0
    return Outcome(basic_met, members, target, cut)
