"""Who is assessed on which day, against which quota."""

from __future__ import annotations

import calendar as _stdlib_calendar
from dataclasses import dataclass
from datetime import date, timedelta

from scoring.calendar import Month, WorkCalendar
from scoring.policy import Policy, Tier

# Why an agent has no quota on a day.
ASSESSED, EXEMPT, REST_DAY, NOT_EMPLOYED = "assessed", "exempt", "rest_day", "not_employed"


@dataclass(frozen=True)
class Agent:
    """What the rules need to know of an agent."""

    employee_id: str
    hire_date: date
    leave_date: date | None = None
    tier: str | None = None  # a per-agent override of the tenure rule


@dataclass(frozen=True)
class Quota:
    calls: int
    talk_minutes: int


@dataclass(frozen=True)
class MonthlyQuota(Quota):
    assessed_days: int  # working days the agent is assessed this month
    working_days: int  # working days in the month

    @property
    def is_prorated(self) -> bool:
        return self.assessed_days != self.working_days


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _stdlib_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def tier_on(policy: Policy, agent: Agent, day: date) -> Tier:
    """The agent's tier on `day`: the override, else new hire within the probation months."""
    if agent.tier is not None:
        return policy.tiers[agent.tier]
    if day < add_months(agent.hire_date, policy.new_hire_months):
        return policy.tiers["new_hire"]
    return policy.tiers["veteran"]


def is_employed(agent: Agent, day: date) -> bool:
    """True from the hire date to the leave date, both included."""
    return agent.hire_date <= day and (agent.leave_date is None or day <= agent.leave_date)


def is_exempt(policy: Policy, agent: Agent, day: date) -> bool:
    """True in a new hire's first week (policy.exempt_days from the hire date)."""
    return agent.hire_date <= day < agent.hire_date + timedelta(days=policy.exempt_days)


def exempt_hires(policy: Policy, month: Month) -> tuple[date, date] | None:
    """The hire dates whose exempt first week has a day in `month` (first and last, both
    included), or None when the policy exempts no day."""
    if policy.exempt_days <= 0:
        return None
    return month.first - timedelta(days=policy.exempt_days - 1), month.last


def tenure_in(policy: Policy, agent: Agent, month: Month) -> tuple[date | None, date | None, str | None]:
    """What of `agent` decides their quota and assessed days in `month`: agents of the same tenure
    have the same ones. A hire date whose first week and probation were over before the month
    makes no difference (None), nor does a leave date after the month."""
    hired = agent.hire_date
    settled = (hired + timedelta(days=policy.exempt_days) <= month.first
               and add_months(hired, policy.new_hire_months) <= month.first)
    leaves = agent.leave_date if agent.leave_date is not None and agent.leave_date <= month.last else None
    return None if settled else hired, leaves, agent.tier


def day_status(policy: Policy, cal: WorkCalendar, agent: Agent, day: date) -> str:
    """ASSESSED, EXEMPT, REST_DAY or NOT_EMPLOYED."""
    if not is_employed(agent, day):
        return NOT_EMPLOYED
    if not cal.is_working_day(day):
        return REST_DAY
    if is_exempt(policy, agent, day):
        return EXEMPT
    return ASSESSED


def daily_quota(policy: Policy, cal: WorkCalendar, agent: Agent, day: date) -> Quota | None:
    """The day's quota, or None when the agent is not assessed that day."""
    if day_status(policy, cal, agent, day) != ASSESSED:
        return None
    tier = tier_on(policy, agent, day)
    return Quota(tier.daily_calls, tier.daily_talk_minutes)


def assessed_days(policy: Policy, cal: WorkCalendar, agent: Agent, month: Month) -> list[date]:
    """The working days of `month` on which the agent is assessed."""
    return [d for d in cal.month_working_days(month) if _is_assessed_working_day(policy, agent, d)]


def _is_assessed_working_day(policy: Policy, agent: Agent, day: date) -> bool:
    return is_employed(agent, day) and not is_exempt(policy, agent, day)


def monthly_quota(policy: Policy, cal: WorkCalendar, agent: Agent, month: Month) -> MonthlyQuota:
    """The month's quota: the daily quotas of the agent's assessed working days, added up.

    The seeds make the daily quota binding on every working day and give the month as 22 ×
    the daily quota; adding up the days keeps the two in step in a month of any length, so
    meeting the day every day meets the month exactly. Each day counts in the tier of that day.
    """
    days = cal.month_working_days(month)
    tiers = [tier_on(policy, agent, day) for day in assessed_days(policy, cal, agent, month)]
    return MonthlyQuota(sum(t.daily_calls for t in tiers), sum(t.daily_talk_minutes for t in tiers),
                        len(tiers), len(days))
