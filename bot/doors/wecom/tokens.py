"""A platform's access token in the access_token row, shared by every kpibot process.

One process renews it at a time: it claims the row with a conditional UPDATE (only when no one
else holds a claim, or theirs has lapsed, and only while the row still has the token it found
wanting), fetches a new token, writes it and clears the claim. The UPDATE decides between
processes on SQLite and PostgreSQL alike: only one sees a row change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.outbox import runner
from bot.store.models import AccessToken

MARGIN = timedelta(minutes=5)  # a token with less left than this is renewed before use
LEASE = timedelta(seconds=30)  # how long a claim keeps others waiting


@dataclass(frozen=True)
class Held:
    """The row as read: the token, when it ends, and whether a process is renewing it."""

    token: str | None
    expires_at: datetime | None
    renewing_until: datetime | None

    def is_fresh(self, now: datetime) -> bool:
        return self.token is not None and self.expires_at is not None and self.expires_at - MARGIN > now

    def is_renewing(self, now: datetime) -> bool:
        return self.renewing_until is not None and self.renewing_until > now


def read(*, engine: Engine, platform: str) -> Held:
    """The row of `platform`, made empty when there is none yet."""
    with Session(engine) as session:
        row = session.exec(select(AccessToken).where(AccessToken.platform == platform)).first()
        if row is not None:
            return Held(row.token, row.expires_at, row.renewing_until)
        try:
            session.execute(insert(AccessToken), [{"platform": platform}])
            session.commit()
        except IntegrityError:  # another process made it just now
            session.rollback()
    return read(engine=engine, platform=platform)


def claim(*, engine: Engine, platform: str, seen: str | None, now: datetime) -> bool:
    """Take the renewal of token `seen` (None: there is none yet): True for the one process
    whose UPDATE changes the row. False when another holds a live claim, or the token is no
    longer `seen` (someone renewed it meanwhile)."""
    same = AccessToken.token.is_(None) if seen is None else AccessToken.token == seen
    with Session(engine) as session:
        taken = session.execute(
            update(AccessToken)
            .where(AccessToken.platform == platform, same,
                   or_(AccessToken.renewing_until.is_(None), AccessToken.renewing_until <= now))
            .values(renewing_until=now + LEASE, renewed_by=runner.me())
        ).rowcount
        session.commit()
    return taken == 1


def store(*, engine: Engine, platform: str, token: str, expires_at: datetime) -> None:
    """Write the renewed token and end the claim."""
    _set(engine, platform, token=token, expires_at=expires_at, renewing_until=None)


def release(*, engine: Engine, platform: str) -> None:
    """End the claim without a new token (the renewal failed): the next caller tries again."""
    _set(engine, platform, renewing_until=None)


def _set(engine: Engine, platform: str, **values) -> None:
    with Session(engine) as session:
        session.execute(update(AccessToken).where(AccessToken.platform == platform).values(**values))
        session.commit()
