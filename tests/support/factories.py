"""Rows for tests, written the way the imports write them."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from bot.store.models import Agent, DailyStat, LedgerEntry, Team, TeamLead


def add_agent(session: Session, employee_id: str, *, team: str = "Team 1", role: str = "agent",
              hire_date: date = date(2020, 1, 1), **fields) -> Agent:
    """An agent on `team` (created when new)."""
    found = session.exec(select(Team).where(Team.name == team)).first()
    if found is None:
        found = Team(name=team)
        session.add(found)
        session.flush()
    agent = Agent(employee_id=employee_id, name=fields.pop("name", f"Agent {employee_id}"),
                  team_id=found.id, role=role, hire_date=hire_date, **fields)
    session.add(agent)
    session.flush()
    if role == "lead":
        session.add(TeamLead(agent_id=agent.id, team_id=found.id))
    session.commit()
    return agent


def add_day(session: Session, agent: Agent, day: date, calls: int, minutes: float) -> None:
    session.add(DailyStat(agent_id=agent.id, day=day, calls=calls, talk_seconds=round(minutes * 60)))
    session.commit()



def add_entry(session: Session, agent: Agent, day: date, points: int, *, code: str | None = None,
              note: str = "", author: Agent | None = None, revokes: LedgerEntry | None = None) -> LedgerEntry:
    entry = LedgerEntry(agent_id=agent.id, day=day, points=points, code=code, reason=note,
                        author_id=author.id if author else None,
                        revokes_id=revokes.id if revokes else None)
    session.add(entry)
    session.commit()
    return entry
