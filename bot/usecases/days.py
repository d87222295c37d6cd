"""Each agent's day and each team's digest: the morning round's contents, and /teamstats."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlmodel import Session

from bot.config.center import Center
from bot.store import queries
from bot.store.models import Agent
from bot.usecases.standings import Standing, month_standings
from scoring.calendar import Month
from scoring.permissions import visible_teams
from scoring.progress import DayProgress, MonthProgress, Totals, day_progress
from scoring.quotas import ASSESSED, EXEMPT, NOT_EMPLOYED


@dataclass(frozen=True)
class Nudge:
    standing: Standing  # today's month, up to yesterday
    today: date
    day: DayProgress  # the last working day before today
    reported: bool  # the call-center system sent numbers for that day
    quota_starts: date | None  # for a new hire in the first week: their first assessed day
    month_of_day: MonthProgress | None = None  # the day's month, when it is not today's

    @property
    def agent(self) -> Agent:
        return self.standing.agent

    @property
    def day_month(self) -> MonthProgress:
        """The month of `day`, up to yesterday: what a digest shows beside the day. On the first
        working day of a month the day is in the month before, while the nudge starts the new one."""
        return self.month_of_day or self.standing.month


@dataclass(frozen=True)
class TeamDigest:
    team: str
    day: date
    met: list[Nudge]
    behind: list[Nudge]  # furthest behind first
    exempt: list[Nudge]
    missing: list[Nudge]  # no numbers for the day


def nudges(*, session: Session, center: Center, today: date) -> dict[str, Nudge]:
    """Every employed agent's nudge for the morning of `today`: the last working day, and the
    month up to yesterday. By employee ID."""
    day, yesterday = center.calendar.previous_working_day(today), today - timedelta(days=1)
    found = agent_days(session=session, center=center, day=day, month=Month.of(today),
                       through=yesterday, today=today)
    if Month.of(day) == Month.of(today):
        return found
    before = month_standings(session=session, center=center, month=Month.of(day), through=yesterday).all
    return {e: replace(n, month_of_day=before[e].month) if e in before else n for e, n in found.items()}


def agent_days(*, session: Session, center: Center, day: date, month: Month, through: date,
               today: date) -> dict[str, Nudge]:
    """Every employed agent's `day`, with `month` up to `through`. By employee ID."""
    standings = month_standings(session=session, center=center, month=month, through=through)
    reported = queries.day_totals(session=session, day=day)
    found = {}
    for employee_id, standing in standings.all.items():
        agent = standing.agent
        if not agent.active or agent.hire_date > today:
            continue
        rules_agent = queries.as_rules_agent(agent)
        progress = day_progress(center.policy, center.calendar, rules_agent, day,
                                reported.get(agent.id, Totals()))
        found[employee_id] = Nudge(standing, today, progress, agent.id in reported,
                                   _quota_starts(center, agent, today))
    return found


def _quota_starts(center: Center, agent: Agent, today: date) -> date | None:
    first = agent.hire_date + timedelta(days=center.policy.exempt_days)
    if first <= today:
        return None
    while not center.calendar.is_working_day(first):
        first += timedelta(days=1)
    return first


def team_digests(*, session: Session, lead: Agent, day: date,
                 days: dict[str, Nudge]) -> list[TeamDigest] | None:
    """One digest of `day` per team `lead` may see: the teams they lead, every team for managers
    and admins. None for agents."""
    names = queries.team_names(session=session)
    team_ids = visible_teams(queries.person(session=session, agent=lead), names)
    if team_ids is None:
        return None
    return [_digest(names[t], day, [n for n in days.values() if n.agent.team_id == t])
            for t in sorted(team_ids, key=lambda t: names[t])]


def teamstats(*, session: Session, center: Center, actor: Agent, day: date) -> list[TeamDigest] | None:
    """/teamstats: `day` for the teams `actor` may see, with the month up to that day."""
    views = agent_days(session=session, center=center, day=day, month=Month.of(day), through=day,
                       today=day)
    return team_digests(session=session, lead=actor, day=day, days=views)


def _digest(team: str, day: date, members: list[Nudge]) -> TeamDigest:
    members = [n for n in members if n.day.status != NOT_EMPLOYED]
    assessed = [n for n in members if n.day.status == ASSESSED and n.reported]
    behind = sorted((n for n in assessed if not n.day.attainment.met),
                    key=lambda n: (n.day.attainment.mean, n.agent.employee_id))
    return TeamDigest(
        team=team,
        day=day,
        met=[n for n in assessed if n.day.attainment.met],
        behind=behind,
        exempt=[n for n in members if n.day.status == EXEMPT],
        missing=[n for n in members if n.day.status == ASSESSED and not n.reported],
    )
