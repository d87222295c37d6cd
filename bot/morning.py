"""The morning round's contents: each agent's nudge and each lead's team digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from bot import store
from bot.center import Center
from bot.models import Agent
from bot.standings import Standing, month_standings
from scoring.calendar import Month
from scoring.progress import DayProgress, Totals, day_progress
from scoring.quotas import ASSESSED, EXEMPT, NOT_EMPLOYED


@dataclass(frozen=True)
class Nudge:
    standing: Standing  # today's month, up to yesterday
    today: date
    day: DayProgress  # the last working day before today
    reported: bool  # the call-center system sent numbers for that day
    quota_starts: date | None  # for a new hire in the first week: their first assessed day

    @property
    def agent(self) -> Agent:
        return self.standing.agent


@dataclass(frozen=True)
class TeamDigest:
    team: str
    day: date
    met: list[Nudge]
    behind: list[Nudge]  # furthest behind first
    exempt: list[Nudge]
    missing: list[Nudge]  # no numbers for the day


def nudges(*, session: Session, center: Center, today: date) -> dict[str, Nudge]:
    """Every employed agent's nudge for the morning of `today`, by employee ID."""
    report_day = center.calendar.previous_working_day(today)
    standings = month_standings(session=session, center=center, month=Month.of(today),
                                through=today - timedelta(days=1))
    reported = store.day_totals(session=session, day=report_day)
    found = {}
    for employee_id, standing in standings.all.items():
        agent = standing.agent
        if not agent.active or agent.hire_date > today:
            continue
        rules_agent = store.as_rules_agent(agent)
        day = day_progress(center.policy, center.calendar, rules_agent, report_day,
                           reported.get(agent.id, Totals()))
        found[employee_id] = Nudge(standing, today, day, agent.id in reported,
                                   _quota_starts(center, agent, today))
    return found


def _quota_starts(center: Center, agent: Agent, today: date) -> date | None:
    first = agent.hire_date + timedelta(days=center.policy.exempt_days)
    if first <= today:
        return None
    while not center.calendar.is_working_day(first):
        first += timedelta(days=1)
    return first


def team_digests(*, session: Session, center: Center, lead: Agent, today: date,
                 nudges: dict[str, Nudge]) -> list[TeamDigest]:
    """One digest per team `lead` leads (every team for managers and admins)."""
    names = store.team_names(session=session)
    team_ids = list(names) if lead.role in ("manager", "admin") else \
        store.led_team_ids(session=session, agent=lead)
    day = center.calendar.previous_working_day(today)
    return [_digest(names[t], day, [n for n in nudges.values() if n.agent.team_id == t])
            for t in sorted(team_ids, key=lambda t: names[t])]


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
