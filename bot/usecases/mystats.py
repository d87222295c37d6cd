"""What /mystats and `kpibot stats show` show: one person's day, month, score and rank, and when
the numbers were last pulled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.config.center import Center
from bot.store import queries
from bot.store.models import Agent
from bot.usecases.incentives import incentives
from bot.usecases.rankings import ranking
from bot.usecases.standings import Standing, agent_standing
from scoring.calendar import Month
from scoring.leaderboard import Place
from scoring.outcome import Incentive
from scoring.policy import Tier
from scoring.progress import DayProgress, Totals, day_progress
from scoring.quotas import tier_on


@dataclass(frozen=True)
class AsOf:
    """When the numbers were last pulled, in the center's time zone."""

    at: datetime
    days_ago: int  # 0 today, 1 yesterday


@dataclass(frozen=True)
class StatsView:
    standing: Standing
    tier: Tier  # on the last day shown
    day: DayProgress | None  # None when a whole month is asked for
    place: Place[Standing] | None
    ranked: int  # how many agents are ranked
    metric: str
    as_of: AsOf | None  # on a view that runs to today, once anything was pulled
    incentive: Incentive | None = None  # on a month asked for, when the policy sets a target


class NoQuotaError(LookupError):
    """The person is not assessed (a lead, manager or admin), or not in the month."""


def stats_view(*, session: Session, center: Center, agent: Agent, day: date | None = None,
               month: Month | None = None, today: date | None = None) -> StatsView:
    """The agent's `day` and their month as of it (its days and entries up to it); or, given a
    `month`, that month up to `today` (the center's, by default), or to its end once it is over.

    Shown on `today`, today is still among the working days left for the pace, as in that
    morning's message: the day is not over, and when its numbers were last pulled says how far
    they go. A day past counts only the days after it."""
    today = today or center.today()
    month = month or Month.of(day)
    through = day or min(month.last, today)
    standing = agent_standing(session=session, center=center, agent=agent, month=month, through=through,
                              days_left_from=today if through == today else None)
    if standing is None:
        raise NoQuotaError(agent.employee_id)
    ranked = ranking(session=session, center=center, month=month, through=through)
    rules_agent = queries.as_rules_agent(agent)
    progress = None
    if day is not None:
        totals = queries.day_totals(session=session, day=day, agent_id=agent.id).get(agent.id, Totals())
        progress = day_progress(center.policy, center.calendar, rules_agent, day, totals)
    return StatsView(standing, tier_on(center.policy, rules_agent, through), progress,
                     ranked.place(standing), ranked.ranked, center.policy.leaderboard_metric,
                     _as_of(session, center, today) if through == today else None,
                     incentives(session=session, center=center, standings=[standing], today=today,
                                agent_id=agent.id)[agent.employee_id] if day is None else None)


def _as_of(session: Session, center: Center, today: date) -> AsOf | None:
    pulled = queries.last_pulled(session=session)
    if pulled is None:
        return None
    at = pulled.astimezone(center.tz)
    return AsOf(at, (today - at.date()).days)
