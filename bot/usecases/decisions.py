"""A second person's say on a deduction: a manager approves or declines one written pending (the
two-person rule), and decides an agent's appeal, accepting it (the entry is revoked) or
rejecting it (the entry stands). Every act is a row of the append-only ledger that refers to
the entry (scoring.ledger's APPROVE, APPEAL, REJECT) or revokes it (DECLINE, ACCEPT).

    approve ENTRY    decline ENTRY REASON...    appeal ENTRY REASON...
    accept ENTRY [NOTE...]    reject ENTRY REASON...
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, or_, select

from bot.config.center import Center
from bot.store import queries
from bot.store.models import Agent, LedgerEntry
from bot.usecases.points import deciders, entry_item, month_score
from bot.usecases.requests import CommandError, parse_note
from scoring.calendar import Month
from scoring.ledger import ACCEPT, APPEAL, APPROVE, DECLINE, REJECT
from scoring.permissions import appeal_refusal, decision_refusal, may_change_closed_month
from scoring.policy import CatalogItem

log = logging.getLogger("kpibot")
REVOKING = (DECLINE, ACCEPT)  # the acts written as a revocation of the entry
WHY_NEEDED = (DECLINE, APPEAL, REJECT)  # the acts that must say why


@dataclass(frozen=True)
class Decided:
    act: str  # APPROVE, DECLINE, APPEAL, ACCEPT or REJECT
    entry: LedgerEntry  # the entry acted on
    agent: Agent  # whom it is about
    actor: Agent  # who acted
    author: Agent | None  # who recorded the entry; None for kpibot's own
    item: CatalogItem | None
    why: str  # the actor's reason or note
    score: int  # the agent's score in the entry's month, after the act
    deciders: tuple[Agent, ...] = ()  # an appeal: the managers it goes to
    appeal: str = ""  # a decision on an appeal: the agent's reason


@dataclass(frozen=True)
class Waiting:
    """A deduction waiting for a decision."""

    act: str  # APPROVE (a pending deduction) or APPEAL (an open appeal)
    entry: LedgerEntry
    agent: Agent
    author: Agent | None
    why: str  # an appeal's reason


@dataclass(frozen=True)
class _Facts:
    """The entry and the rows about it, as the ledger stands."""

    entry: LedgerEntry
    revoked: bool
    approved: bool
    appeal: LedgerEntry | None
    rejected: bool


def parse_decision(act: str, text: str) -> tuple[int, str]:
    """`ENTRY [REASON...]`: the entry's number and the words after it; CommandError when the
    number is missing, or the reason where the act needs one."""
    number, _, words = text.strip().partition(" ")
    if not number.isdigit() or len(number) > 12:
        raise CommandError("no_entry_number", act)
    why = parse_note(act, words)
    if act in WHY_NEEDED and not why:
        raise CommandError("no_why", act)
    return int(number), why


def decide(*, session: Session, center: Center, actor: Agent, act: str, text: str, today: date) -> Decided:
    """Carry out `act` (APPROVE, DECLINE, APPEAL, ACCEPT, REJECT) as typed (`ENTRY [REASON...]`);
    CommandError, and nothing written, when it is not allowed."""
    entry_id, why = parse_decision(act, text)
    facts = _facts(session, entry_id, act)
    entry = facts.entry
    agent, you = session.get(Agent, entry.agent_id), queries.person(session=session, agent=actor)
    target = queries.person(session=session, agent=agent)
    refusal = appeal_refusal(you, target) if act == APPEAL else decision_refusal(you, entry.author_id, target)
    if refusal is not None:
        raise CommandError(f"refused_{refusal}", act)
    _check(act, facts)
    month = Month.of(entry.day)
    if queries.is_closed(session=session, month=month) and not may_change_closed_month(you):
        raise CommandError("month_closed", act, month=str(month))
    row = LedgerEntry(agent_id=entry.agent_id, day=today, points=0, code=entry.code, reason=why, author_id=actor.id,
                      act=act, **({"revokes_id": entry.id} if act in REVOKING else {"refers_id": entry.id}))
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # decided at the same moment elsewhere: the unique indexes decided
        session.rollback()
        raise CommandError("already_decided", act) from None
    log.info("%s: %s on entry %d of %s", actor.employee_id, act, entry.id, agent.employee_id)
    author = session.get(Agent, entry.author_id) if entry.author_id is not None else None
    return Decided(act, entry, agent, actor, author, entry_item(center, entry), why,
                   month_score(session, center, agent, entry.day),
                   tuple(deciders(session=session, agent=agent, author_id=entry.author_id)) if act == APPEAL else (),
                   facts.appeal.reason if facts.appeal is not None and act != APPEAL else "")


def _facts(session: Session, entry_id: int, act: str) -> _Facts:
    entry = session.get(LedgerEntry, entry_id)
    if entry is None or entry.revokes_id is not None or entry.refers_id is not None:
        raise CommandError("no_entry", act)
    about = session.exec(select(LedgerEntry).where(or_(LedgerEntry.refers_id == entry.id,
                                                       LedgerEntry.revokes_id == entry.id))).all()
    acts = {row.act for row in about}
    appeal = next((row for row in about if row.act == APPEAL), None)
    return _Facts(entry, any(row.revokes_id == entry.id for row in about), APPROVE in acts, appeal, REJECT in acts)


def _check(act: str, facts: _Facts) -> None:
    """Why the entry, as it stands, cannot take `act`: a CommandError."""
    if facts.revoked:
        raise CommandError("already_undone", act)
    waiting = facts.entry.pending and not facts.approved
    if act in (APPROVE, DECLINE) and not waiting:
        raise CommandError("not_pending", act)
    if act == APPEAL:
        if facts.entry.points >= 0:
            raise CommandError("not_a_deduction", act)
        if waiting:
            raise CommandError("appeal_pending", act)
        if facts.appeal is not None:
            raise CommandError("already_appealed", act)
    if act in (ACCEPT, REJECT) and (facts.appeal is None or facts.rejected):
        raise CommandError("no_appeal", act)


def waiting(*, session: Session, actor: Agent) -> list[Waiting]:
    """What waits for `actor` to decide: each pending deduction and open appeal they may decide,
    oldest first."""
    you = queries.person(session=session, agent=actor)
    found = []
    for act, entry, why in queries.undecided(session=session):
        agent = session.get(Agent, entry.agent_id)
        if decision_refusal(you, entry.author_id, queries.person(session=session, agent=agent)) is None:
            author = session.get(Agent, entry.author_id) if entry.author_id is not None else None
            found.append(Waiting(act, entry, agent, author, why))
    return found
