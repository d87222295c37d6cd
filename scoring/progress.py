"""Progress against the quota: a day, a month to date, and the pace still needed.

Talk time is kept in seconds. Shown as whole minutes, what was done rounds down and
what is still needed rounds up, so "150 / 150" always means the quota was met.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import cached_property

from scoring.calendar import Month, WorkCalendar
from scoring.policy import Policy, Tier
from scoring.quotas import (
    Agent,
    MonthlyQuota,
    Quota,
    assessed_days,
    daily_quota,
    day_status,
    is_exempt,
    monthly_quota,
    tenure_in,
    tier_on,
)


@dataclass(frozen=True)
class Totals:
    calls: int = 0
    talk_seconds: int = 0
    members: int = 0

    @property
    def talk_minutes(self) -> int:
        """Whole minutes, rounded down."""
        return self.talk_seconds // 60

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.calls + other.calls, self.talk_seconds + other.talk_seconds,
                      self.members + other.members)


@dataclass(frozen=True)
class Attainment:
    calls: Fraction  # done / quota
    talk: Fraction
    met: bool  # both calls and talk time reached

    @cached_property
    def mean(self) -> Fraction:
        """(calls + talk) / 2, as one Fraction rather than one for each step."""
        calls, talk = self.calls, self.talk
        return Fraction(calls.numerator * talk.denominator + talk.numerator * calls.denominator,
                        2 * calls.denominator * talk.denominator)


@dataclass(frozen=True)
class Shortfall:
    calls: int
    talk_minutes: int

    @property
    def is_zero(self) -> bool:
        return self.calls == 0 and self.talk_minutes == 0


@dataclass(frozen=True)
class DayProgress:
    day: date
    status: str  # quotas.ASSESSED, EXEMPT, REST_DAY or NOT_EMPLOYED
    tier: Tier
    totals: Totals
    quota: Quota | None
    attainment: Attainment | None
    shortfall: Shortfall | None


@dataclass(frozen=True)
class MonthProgress:
    month: Month
    through: date
    totals: Totals
    quota: MonthlyQuota
    attainment: Attainment | None  # None when no day of the month is assessed
    shortfall: Shortfall
    days_assessed: int  # assessed working days up to `through`
    days_left: int  # assessed working days still to do (after `through`, or from today on)
    pace: Shortfall | None  # per remaining day; None when nothing is left to do or no day left
    left_on: date | None = None  # the agent's leave date, when it falls in `month`


def percent(ratio: Fraction) -> float:
    """A ratio as a percentage rounded half up to one decimal: 7/8 -> 87.5."""
    # floor(n/d * 1000 + 1/2) in whole numbers: the same, without a Fraction for each step
    n, d = ratio.numerator, ratio.denominator
    return (2000 * n + d) // (2 * d) / 10


def attainment(totals: Totals, quota: Quota) -> Attainment | None:
    """Calls and talk time against `quota`; None for an empty quota."""
    if quota.calls == 0 or quota.talk_minutes == 0:
        return None
    return Attainment(
        calls=Fraction(totals.calls, quota.calls),
        talk=Fraction(totals.talk_seconds, quota.talk_minutes * 60),
        met=totals.calls >= quota.calls and totals.talk_seconds >= quota.talk_minutes * 60,
    )


def shortfall(totals: Totals, quota: Quota) -> Shortfall:
    """What is still missing to reach `quota` (zero when reached)."""
    seconds = max(0, quota.talk_minutes * 60 - totals.talk_seconds)
    return Shortfall(max(0, quota.calls - totals.calls), math.ceil(seconds / 60))


def pace(totals: Totals, quota: Quota, days_left: int) -> Shortfall | None:
    """Calls and minutes needed per remaining day; None when done or no day is left."""
    seconds = max(0, quota.talk_minutes * 60 - totals.talk_seconds)
    calls = max(0, quota.calls - totals.calls)
    if days_left <= 0 or (calls == 0 and seconds == 0):
        return None
    return Shortfall(math.ceil(calls / days_left), math.ceil(seconds / (60 * days_left)))


def day_progress(policy: Policy, cal: WorkCalendar, agent: Agent, day: date,
                 totals: Totals) -> DayProgress:
    """The agent's `day` against the daily quota."""
    status, tier = day_status(policy, cal, agent, day), tier_on(policy, agent, day)
    quota = daily_quota(policy, cal, agent, day)
    if quota is None:
        return DayProgress(day, status, tier, totals, None, None, None)
    return DayProgress(day, status, tier, totals, quota, attainment(totals, quota), shortfall(totals, quota))


def month_progress(policy: Policy, cal: WorkCalendar, agent: Agent, month: Month,
                   by_day: Mapping[date, Totals], through: date,
                   days_left_from: date | None = None) -> MonthProgress:
    """The month up to `through` against its quota, and the pace over the assessed days from
    `days_left_from` on (by default the days after `through`; pass today to count today as
    still to do, as it is while the day runs).

    Every day's work counts (rest days too) except the first week's: that week is exempt
    from the quota, so its calls are not counted against the rest of the month either.
    """
    plan = _month_plan(policy, cal, agent, month, through, days_left_from)
    return _progress(plan, month, through, counted(policy, agent, month, by_day, through))


def month_progresses(policy: Policy, cal: WorkCalendar, month: Month, worked: Iterable[tuple[Agent, Totals]],
                     through: date, days_left_from: date | None = None) -> Iterator[MonthProgress]:
    """month_progress of each agent given with the work that counts (`counted`), in order. What
    depends on the agent's tenure alone (the quota, the days) is worked out once per tenure:
    the many agents hired long before the month share one."""
    by_tenure: dict[tuple, _MonthPlan] = {}
    by_given: dict[tuple, _MonthPlan] = {}  # by the dates and tier that give the tenure
    for agent, done in worked:
        given = (agent.hire_date, agent.leave_date, agent.tier)
        plan = by_given.get(given)
        if plan is None:
            tenure = tenure_in(policy, agent, month)
            plan = by_tenure.get(tenure) or _month_plan(policy, cal, agent, month, through, days_left_from)
            by_tenure[tenure] = by_given[given] = plan
        yield _progress(plan, month, through, done)


def counted(policy: Policy, agent: Agent, month: Month, by_day: Mapping[date, Totals], through: date) -> Totals:
    """The month's work up to `through` that counts: every day's but the exempt first week's."""
    last = min(through, month.last)
    return sum((t for d, t in by_day.items()
                if month.first <= d <= last and not is_exempt(policy, agent, d)), Totals())


@dataclass(frozen=True)
class _MonthPlan:
    """What a month holds for an agent whatever they do: the quota and the days."""

    quota: MonthlyQuota
    days_assessed: int
    days_left: int
    left_on: date | None


def _month_plan(policy: Policy, cal: WorkCalendar, agent: Agent, month: Month, through: date,
                days_left_from: date | None) -> _MonthPlan:
    assessed = assessed_days(policy, cal, agent, month)
    left_from = days_left_from or through + timedelta(days=1)
    return _MonthPlan(
        quota=monthly_quota(policy, cal, agent, month),
        days_assessed=sum(1 for d in assessed if d <= through),
        days_left=sum(1 for d in assessed if d >= left_from),
        left_on=agent.leave_date if agent.leave_date and Month.of(agent.leave_date) == month else None,
    )


def _progress(plan: _MonthPlan, month: Month, through: date, done: Totals) -> MonthProgress:
    return MonthProgress(
        month=month,
        through=through,
        totals=done,
        quota=plan.quota,
        attainment=attainment(done, plan.quota),
        shortfall=shortfall(done, plan.quota),
        days_assessed=plan.days_assessed,
        days_left=plan.days_left,
        pace=pace(done, plan.quota, plan.days_left),
        left_on=plan.left_on,
    )
