"""Deductions, awards and their undo: the use case behind /deduct, /award and the Undo button."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.config.center import Center
from bot.store import queries
from bot.store.models import Agent, LedgerEntry
from bot.usecases.requests import CommandError, PointsRequest
from scoring.calendar import Month
from scoring.ledger import absence_due, monthly_score, needs_approval
from scoring.permissions import entry_refusal, may_change_closed_month, undo_refusal
from scoring.policy import CatalogItem

log = logging.getLogger("kpibot")
Finder = Callable[[str], Agent | None]  # the roster row a word names (a mention, a user or employee ID)


@dataclass(frozen=True)
class Recorded:
    entry: LedgerEntry
    agent: Agent
    author: Agent
    item: CatalogItem | None  # the catalogue entry, when given by code
    score: int  # the agent's monthly score with this entry (without it while it is pending)
    late: int | None = None  # the month's late or early entries, when they make an absence not yet recorded
    deciders: tuple[Agent, ...] = ()  # a pending deduction: the managers asked to approve it

    @property
    def pending(self) -> bool:
        return self.entry.pending


@dataclass(frozen=True)
class Undone:
    entry: LedgerEntry  # the entry undone
    agent: Agent
    author: Agent  # who undid it
    item: CatalogItem | None
    score: int  # the agent's score in the entry's month, without it
    closed: Month | None = None  # the entry's month, when it was closed (an admin's correction)


def record(*, session: Session, center: Center, author: Agent, request: PointsRequest,
           find: Finder, today: date) -> Recorded:
    """Write one ledger entry; CommandError (and nothing written) when it is not allowed."""
    agent = find(request.target)
    if agent is None:
        raise CommandError("unknown_agent", request.kind, agent=request.target)
    refusal = entry_refusal(queries.person(session=session, agent=author),
                            queries.person(session=session, agent=agent))
    if refusal is not None:
        raise CommandError(f"refused_{refusal}", request.kind, name=agent.name)
    points = (-1 if request.kind == "deduct" else 1) * request.points
    entry = LedgerEntry(agent_id=agent.id, day=today, points=points, code=request.code, reason=request.note,
                        author_id=author.id, pending=needs_approval(center.policy, points))
    session.add(entry)
    session.commit()
    month = queries.ledger_entries(session=session, month=Month.of(today), agent_id=agent.id).get(agent.id, [])
    late = absence_due(center.policy, month) if entry.code in center.policy.lateness_codes else None
    asked = deciders(session=session, agent=agent, author_id=author.id) if entry.pending else []
    return Recorded(entry, agent, author, entry_item(center, entry), monthly_score(center.policy, month), late,
                    tuple(asked))


def undo(*, session: Session, center: Center, actor: Agent, entry_id: int, today: date) -> Undone:
    """Write the revocation of entry `entry_id`; CommandError when it cannot be undone."""
    entry = session.get(LedgerEntry, entry_id)
    if entry is None or entry.revokes_id is not None or entry.refers_id is not None:  # an act is not undone
        raise CommandError("no_entry", "undo")
    agent = session.get(Agent, entry.agent_id)
    you = queries.person(session=session, agent=actor)
    if undo_refusal(you, entry.author_id, queries.person(session=session, agent=agent)) is not None:
        raise CommandError("refused_undo", "undo")
    month = Month.of(entry.day)
    closed = month if queries.is_closed(session=session, month=month) else None
    if closed and not may_change_closed_month(you):
        raise CommandError("month_closed", "undo", month=str(month))
    if session.exec(select(LedgerEntry.id).where(LedgerEntry.revokes_id == entry.id)).first():
        raise CommandError("already_undone", "undo")
    session.add(LedgerEntry(agent_id=entry.agent_id, day=today, points=0, code=entry.code,
                            reason="", author_id=actor.id, revokes_id=entry.id))
    try:
        session.commit()
    except IntegrityError:  # undone at the same moment elsewhere: the unique revokes_id decided
        session.rollback()
        raise CommandError("already_undone", "undo") from None
    if closed:
        log.warning("%s undid entry %d of %s (%s), a closed month", actor.employee_id, entry.id, agent.employee_id,
                    month)
    return Undone(entry, agent, actor, entry_item(center, entry), month_score(session, center, agent, entry.day),
                  closed)


def entry_item(center: Center, entry: LedgerEntry) -> CatalogItem | None:
    """The catalogue entry of `entry`'s code, if it has one."""
    return center.policy.catalog.get(entry.code) if entry.code else None


def month_score(session: Session, center: Center, agent: Agent, day: date) -> int:
    """The agent's score in the month of `day`, as the ledger stands."""
    entries = queries.ledger_entries(session=session, month=Month.of(day), agent_id=agent.id)
    return monthly_score(center.policy, entries.get(agent.id, []))


def deciders(*, session: Session, agent: Agent, author_id: int | None) -> list[Agent]:
    """Whom a pending deduction or an appeal about `agent` goes to: the managers above the agent's
    team (queries.managers_above), without the entry's author and the agent themselves; when
    that leaves nobody, the admins other than the author."""
    found = [m for m in queries.managers_above(session=session, agent=agent) if m.id not in (author_id, agent.id)]
    return found or [a for a in queries.admins(session=session) if a.id not in (author_id, agent.id)]
