"""What the platforms' callbacks delivered, taken in once: Slack retries an event it thinks
failed (the same event_id), WeCom a callback (the same MsgId). Kept in the database, so that the
retry is caught by whichever kpibot process it reaches."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.store.models import SeenMessage, utcnow

SEEN_FOR = timedelta(days=2)  # retries come within minutes (Slack's within an hour); two days is plenty


def first_time(engine: Engine, platform: str, message_id: str) -> bool:
    """Record `message_id` as taken in on `platform`; False when it was before."""
    with Session(engine) as session:
        session.add(SeenMessage(platform=platform, message_id=message_id[:200]))
        try:
            session.commit()
        except IntegrityError:
            return False
        session.exec(delete(SeenMessage).where(SeenMessage.seen_at < utcnow() - SEEN_FOR))
        session.commit()
    return True
