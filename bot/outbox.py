"""Messages to people go out through the outbox: each has a unique key, is written down first,
and is claimed in the database before it is sent, so it goes out once whatever the restarts,
retries or replicas.

A delivery is pending, then sending (claimed), then sent; a send that fails for a while goes
back to pending for the next run, one that can never succeed becomes failed. A delivery left
"sending" by a crash is in doubt: it is reported, never sent again blindly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.models import Delivery, utcnow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


@dataclass(frozen=True)
class Message:
    text: str  # plain text: the notification line, the fallback, the whole of it outside Slack
    blocks: list[dict[str, Any]] | None = None

    def to_json(self) -> str:
        return json.dumps({"text": self.text, "blocks": self.blocks}, ensure_ascii=False)

    @classmethod
    def from_json(cls, payload: str) -> Message:
        data = json.loads(payload)
        return cls(data["text"], data.get("blocks"))


class SendFailed(Exception):
    """Worth trying again later (rate limit, server error, timeout)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class Undeliverable(Exception):
    """Will never succeed as it is (no such user or channel, no chat identity)."""


class Sender(Protocol):
    def send(self, recipient: str, message: Message) -> None:
        """Send or raise SendFailed / Undeliverable."""


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # failed for now; tried again next run
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already sent, or claimed by someone else
    retry_after: float | None = None


def enqueue(*, session: Session, key: str, recipient: str, message: Message) -> bool:
    """Write the delivery down; False when `key` is already there (queued or sent before)."""
    try:
        with session.begin_nested():
            session.add(Delivery(key=key, recipient=recipient, payload=message.to_json()))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def claim(engine: Engine, key: str) -> Delivery | None:
    """Take the pending delivery `key` for sending; None when it is not pending (any more).

    One UPDATE decides between processes: only one of them sees a row change.
    """
    with Session(engine) as session:
        claimed = session.execute(
            update(Delivery).where(Delivery.key == key, Delivery.status == PENDING)
            .values(status=SENDING, claimed_at=utcnow(), attempts=Delivery.attempts + 1)
        ).rowcount
        session.commit()
        return session.exec(select(Delivery).where(Delivery.key == key)).first() if claimed else None


def finish(engine: Engine, key: str, status: str, error: str | None = None) -> None:
    with Session(engine) as session:
        sent_at: datetime | None = utcnow() if status == SENT else None
        session.execute(update(Delivery).where(Delivery.key == key, Delivery.status == SENDING)
                        .values(status=status, sent_at=sent_at, last_error=(error or "")[:500] or None))
        session.commit()


def deliver(engine: Engine, sender: Sender, keys: list[str], outcome: Outcome | None = None) -> Outcome:
    """Send each pending delivery of `keys` once; stop early when the platform asks to wait."""
    outcome = outcome or Outcome()
    for n, key in enumerate(keys):
        if outcome.retry_after is not None:
            outcome.pending.extend(keys[n:])
            break
        delivery = claim(engine, key)
        if delivery is None:
            outcome.skipped.append(key)
            continue
        _send(engine, sender, delivery, outcome)
    return outcome


def _send(engine: Engine, sender: Sender, delivery: Delivery, outcome: Outcome) -> None:
    try:
        sender.send(delivery.recipient, Message.from_json(delivery.payload))
    except SendFailed as failed:
        finish(engine, delivery.key, PENDING, failed.reason)
        outcome.pending.append(delivery.key)
        outcome.retry_after = failed.retry_after
    except Undeliverable as never:
        finish(engine, delivery.key, FAILED, str(never))
        outcome.failed.append(delivery.key)
    else:
        finish(engine, delivery.key, SENT)
        outcome.sent.append(delivery.key)
