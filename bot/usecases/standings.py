"""Month standings: every assessed agent's month to date, score and rank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlmodel import Session

from bot.config.center import Center
from bot.store import queries
from bot.store.models import Agent
from scoring.calendar import Month
from scoring.leaderboard import Place, rank
from scoring.ledger import Entry, monthly_score
from scoring.progress import MonthProgress, month_progress, percent


@dataclass(frozen=True)
class Standing:
    agent: Agent
    team: str
    month: MonthProgress
    entries: list[Entry]
    score: int
    value: float | None  # the policy metric; None when the agent cannot be ranked


@dataclass(frozen=True)
class Standings:
    month: Month
    through: date
    metric: str
    all: dict[str, Standing]  # by employee ID
    places: list[Place[Standing]]  # the ranked ones, best first
    top: list[Place[Standing]]  # the places a public leaderboard shows (the policy's number)

    def place_of(self, employee_id: str) -> Place[Standing] | None:
        return self._places.get(employee_id)

    def left_on(self, employee_id: str) -> date | None:
        """The agent's leave date when it falls in the month (and so keeps them unranked)."""
        standing = self.all.get(employee_id)
        return standing.month.left_on if standing else None

    @cached_property
    def _places(self) -> dict[str, Place[Standing]]:
        return {p.key.agent.employee_id: p for p in self.places}


def month_standings(*, session: Session, center: Center, month: Month, through: date,
                    days_left_from: date | None = None) -> Standings:
    """Rank every agent assessed in `month` by the policy metric, as of `through`: the days and
    the ledger entries dated up to it. An agent whose leave date is in `month` is in `all` but
    not ranked. To keep it simple, an entry undone later counts as undone all the same: an undo
    corrects a mistake, and a day looked back on shows it corrected.
    The pace is over the assessed days from `days_left_from` (default: after `through`)."""
    through = min(through, month.last)
    read = _read(session, month, through)
    all_ = {a.employee_id: _standing(center, read, a, month, through, days_left_from)
            for a in queries.assessed_agents(session=session, month=month)}
    ranked = rank((s, s.value) for s in all_.values() if s.value is not None)
    return Standings(month, through, center.policy.leaderboard_metric, all_, ranked,
                     ranked[:center.policy.leaderboard_places])


def agent_standing(*, session: Session, center: Center, agent: Agent, month: Month, through: date,
                   days_left_from: date | None = None) -> Standing | None:
    """`agent`'s standing in month_standings, read alone; None when they are not assessed in `month`."""
    through = min(through, month.last)
    assessed = queries.assessed_agents(session=session, month=month, agent_id=agent.id)
    if not assessed:
        return None
    read = _read(session, month, through, assessed[0])
    return _standing(center, read, assessed[0], month, through, days_left_from)


@dataclass(frozen=True)
class _Read:
    days: dict
    entries: dict
    teams: dict[int, str]


def _read(session: Session, month: Month, through: date, agent: Agent | None = None) -> _Read:
    """What standings are made of: everyone's (or only `agent`'s) days, entries and team names."""
    one = {} if agent is None else {"agent_id": agent.id}
    return _Read(queries.days_by_agent(session=session, start=month.first, end=through, **one),
                 queries.ledger_entries(session=session, month=month, through=through, **one),
                 queries.team_names(session=session, **({} if agent is None else {"team_id": agent.team_id})))


def _standing(center: Center, read: _Read, agent: Agent, month: Month, through: date,
              days_left_from: date | None) -> Standing:
    progress = month_progress(center.policy, center.calendar, queries.as_rules_agent(agent),
                              month, read.days.get(agent.id, {}), through, days_left_from)
    own = read.entries.get(agent.id, [])
    score = monthly_score(center.policy, own)
    return Standing(agent, read.teams[agent.team_id], progress, own, score,
                    _metric(center.policy.leaderboard_metric, progress, score))


def _metric(metric: str, progress: MonthProgress, score: int) -> float | None:
    """The value ranked; None (not ranked) before the agent's first assessed day, and in the
    month of the agent's leave date: a few strong days before leaving are no month's work."""
    if progress.days_assessed == 0 or progress.left_on is not None:
        return None
    if metric == "score":
        return score
    if metric == "calls":
        return progress.totals.calls
    if metric == "talk_minutes":
        return progress.totals.talk_minutes
    return None if progress.attainment is None else percent(progress.attainment.mean)
