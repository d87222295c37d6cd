"""What /mystats and `kpibot stats show` show: one person's day, month, score and rank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot import store
from bot.center import Center
from bot.models import Agent
from bot.standings import Standing, month_standings
from scoring.calendar import Month
from scoring.leaderboard import Place
from scoring.progress import DayProgress, Totals, day_progress


@dataclass(frozen=True)
class StatsView:
    standing: Standing
    day: DayProgress
    place: Place[Standing] | None
    ranked: int  # how many agents are ranked
    metric: str


class NoQuotaError(LookupError):
    """The person is not assessed (a lead, manager or admin), or not in the month."""


def stats_view(*, session: Session, center: Center, agent: Agent, day: date) -> StatsView:
    """The agent's `day` and their month up to it."""
    standings = month_standings(session=session, center=center, month=Month.of(day), through=day)
    standing = standings.all.get(agent.employee_id)
    if standing is None:
        raise NoQuotaError(agent.employee_id)
    totals = store.day_totals(session=session, day=day, agent_id=agent.id).get(agent.id, Totals())
    progress = day_progress(center.policy, center.calendar, store.as_rules_agent(agent), day, totals)
    return StatsView(standing, progress, standings.place_of(agent.employee_id),
                     len(standings.places), standings.metric)
