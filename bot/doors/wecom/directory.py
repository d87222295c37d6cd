"""Who is who on WeCom: the roster row of a WeCom user ID, and whom a typed word names."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.store import queries
from bot.store.models import Agent
from bot.usecases.points import Finder


def find(session: Session, user_id: str) -> Agent | None:
    """The roster row of WeCom user `user_id`, or None."""
    return session.exec(select(Agent).where(Agent.wecom_user_id == user_id)).first()


def finder(session: Session) -> Finder:
    """Whom a command's word names: a WeCom user ID (after @ or ＠, or bare), an employee ID, or a
    name, when one person on the roster has it."""
    def named(word: str) -> Agent | None:
        word = word.lstrip("@＠")
        if not word:
            return None
        found = find(session, word) or queries.agent_by_employee_id(session=session, employee_id=word)
        if found is not None:
            return found
        namesakes = session.exec(select(Agent).where(Agent.name == word).limit(2)).all()
        return namesakes[0] if len(namesakes) == 1 else None
    return named
