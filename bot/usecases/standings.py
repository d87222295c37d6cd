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
from scoring import quotas
from scoring.progress import MonthProgress, Totals, counted, month_progresses, percent
from scoring.quotas import exempt_hires


@dataclass(frozen=True)
class Standing:
    agent: Agent  # a plain row of its columns (queries.assessed_agents), read as an Agent is
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
    all_ = _standings(session, center, month, through, days_left_from,
                      queries.assessed_agents(session=session, month=month))
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
    return _standings(session, center, month, through, days_left_from, assessed, alone=True)[agent.employee_id]


def _standings(session: Session, center: Center, month: Month, through: date, days_left_from: date | None,
               agents: list[Agent], alone: bool = False) -> dict[str, Standing]:
    """The standings of `agents`, by employee ID; `alone`, the one agent's rows alone are read."""
    one = {"agent_id": agents[0].id} if alone else {}
    worked = _worked(session, center, month, through, agents, **one)
    entries = queries.ledger_entries(session=session, month=month, through=through, **one)
    teams = queries.team_names(session=session, **({"team_id": agents[0].team_id} if alone else {}))
    policy, found = center.policy, {}
    progresses = month_progresses(policy, center.calendar, month, worked, through, days_left_from)
    for agent, progress in zip(agents, progresses):
        own = entries.get(agent.id, [])
        score = monthly_score(policy, own)
        found[agent.employee_id] = Standing(agent, teams[agent.team_id], progress, own, score,
                                            _metric(policy.leaderboard_metric, progress, score))
    return found


def _worked(session: Session, center: Center, month: Month, through: date,
            agents: list[Agent], agent_id: int | None = None) -> list[tuple[quotas.Agent, Totals]]:
    """Each agent with the work of the month that counts: added up by the database, but day by
    day for the few whose exempt first week falls in the month."""
    totals = queries.month_totals(session=session, start=month.first, end=through, agent_id=agent_id)
    hired = exempt_hires(center.policy, month)
    exempt = {a.id for a in agents if hired is not None and hired[0] <= a.hire_date <= hired[1]}
    days = queries.days_by_agent(session=session, start=month.first, end=through, agent_ids=exempt)
    worked = []
    for agent in agents:
        rules_agent = queries.as_rules_agent(agent)
        if agent.id in exempt:
            done = counted(center.policy, rules_agent, month, days.get(agent.id, {}), through)
        else:
            done = totals.get(agent.id, NOTHING)
        worked.append((rules_agent, done))
    return worked


NOTHING = Totals()


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
