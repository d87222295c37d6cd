"""Messages to people go out through the outbox: each has a unique key, is written down first,
and is claimed in the database before it is sent, so it goes out once whatever the restarts,
retries or replicas. Each delivery names the platform it goes out on, and only a process that
has that platform set up claims it.

A delivery is pending, then sending (claimed), then sent; a send that fails for a while goes
back to pending for the next try, one that can never succeed (or failed too often) becomes
failed. A delivery left "sending" by a crash, or by a send that timed out (the platform may have
taken it), is in doubt: its platform is asked whether it arrived (`settle_in_doubt`), and it is
sent again only when it did not. A message good only until a time (a morning's nudge) is not
sent after it (`expire`). A large round claims and writes down its deliveries a few at a time
(`attempt_each`); a crash then leaves those few in doubt, settled the same way.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.outbox import runner
from bot.outbox.pacing import Pacer
from bot.store.models import Delivery, utcnow

if TYPE_CHECKING:
    from bot.outbox.platforms import Platforms

log = logging.getLogger("kpibot.outbox")
PENDING, SENDING, SENT, FAILED, SKIPPED = "pending", "sending", "sent", "failed", "skipped"
IN_DOUBT = "in_doubt"  # an attempt's outcome: the send timed out, the delivery stays "sending"
EXPIRED = "expired"
TIMED_OUT = "timed out"  # a claim no process holds: only its lease decides
MAX_ATTEMPTS = 5
AHEAD_FOR = 60.0  # seconds a delivery claimed ahead of its send may wait for it (well within a lease)


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


@dataclass(frozen=True)
class Message:
    """A message as its platform will send it."""

    text: str  # plain text: the notification line, the fallback, the whole of it on a plain platform
    layout: Any = None  # the platform's own richer form of it (Slack: Block Kit blocks), if any
    file: Attachment | None = None  # uploaded with `text` as its comment
    until: datetime | None = None  # not worth sending after this (aware)

    def to_json(self) -> str:
        file = {"name": self.file.name, "data": base64.b64encode(self.file.data).decode()} if self.file else None
        until = self.until.isoformat() if self.until else None
        return json.dumps({"text": self.text, "layout": self.layout, "file": file, "until": until},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, payload: str) -> Message:
        data = json.loads(payload)
        file, until = data.get("file"), data.get("until")
        return cls(data["text"], data.get("layout", data.get("blocks")),  # "blocks" before 0006
                   Attachment(file["name"], base64.b64decode(file["data"])) if file else None,
                   datetime.fromisoformat(until) if until else None)


class SendFailed(Exception):
    """Worth trying again later (rate limit, server error, timeout). `unsure`: the platform may
    have taken the message all the same (a timeout), so it is asked before any second send."""

    def __init__(self, reason: str, retry_after: float | None = None, unsure: bool = False):
        super().__init__(reason)
        self.reason, self.retry_after, self.unsure = reason, retry_after, unsure


class Undeliverable(Exception):
    """Will never succeed as it is (no such user or channel, no chat identity)."""


@dataclass(frozen=True)
class Attempt:
    key: str
    status: str  # SENT, PENDING (try again), FAILED, IN_DOUBT, or SKIPPED (not pending: sent or claimed elsewhere)
    retry_after: float | None = None
    error: str | None = None


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    in_doubt: list[str] = field(default_factory=list)

    def add(self, attempt: Attempt) -> None:
        getattr(self, attempt.status).append(attempt.key)


@dataclass(frozen=True)
class Queued:
    """A delivery to write down: its key, whom it is for, the platform it goes out on, the message."""

    key: str
    recipient: str  # an employee ID, or the platform's channel ("#C0123")
    platform: str
    message: Message

    def row(self) -> dict[str, Any]:
        return {"key": self.key, "recipient": self.recipient, "platform": self.platform,
                "payload": self.message.to_json(), "status": PENDING, "attempts": 0, "created_at": utcnow()}


def enqueue(*, session: Session, item: Queued) -> bool:
    """Write the delivery down; False when its key is already there (queued or sent before)."""
    try:
        with session.begin_nested():
            session.execute(insert(Delivery), [item.row()])
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def enqueue_many(*, session: Session, items: list[Queued]) -> list[str]:
    """Write down every delivery whose key is new; returns all the keys, in order."""
    keys = [item.key for item in items]
    taken: set[str] = set()
    for start in range(0, len(keys), 500):
        taken |= set(session.exec(select(Delivery.key).where(Delivery.key.in_(keys[start:start + 500]))).all())
    new = [item.row() for item in items if item.key not in taken]
    try:
        if new:
            session.execute(insert(Delivery), new)
        session.commit()
    except IntegrityError:  # another process wrote some of them just now: one at a time, then
        session.rollback()
        for item in items:
            enqueue(session=session, item=item)
    return keys


def attempt(engine: Engine, platforms: Platforms, key: str) -> Attempt:
    """Claim delivery `key` and send it once on its platform; SKIPPED when it was not pending
    (or waits for a platform this process does not have)."""
    return attempt_each(engine, platforms, [key])[0]


def attempt_each(engine: Engine, platforms: Platforms, keys: list[str], pace: Pacer | None = None,
                 clock: Callable[[], float] = time.monotonic) -> list[Attempt]:
    """Send each of `keys` once, one after the other, each when `pace` lets it (a Retry-After
    answered holds it); then write down how they went, in one transaction. Those on a platform
    that tells what arrived are claimed together first, the others each just before its send.
    Until written down, a crash leaves them "sending", in doubt: their platform is asked (or its
    rule decides) as for any other.

    One claimed ahead whose turn comes more than AHEAD_FOR seconds after its claim (Slack holding
    everyone, sends timing out) is handed back unsent: pending again, its try not counted, with a
    Retry-After of 0 to go back in the queue. So no claim outlives its lease before its send, and
    no other process, taking it for a dead one's, sends it too."""
    claimed_at = clock()
    ahead = {d.key: d for d in _claim(engine, keys, platforms.telling)} if len(keys) > 1 else {}
    attempts, handed = [], []
    for key in keys:
        if pace is not None:
            pace.wait()
        if key in ahead and clock() - claimed_at > AHEAD_FOR:
            attempts.append(Attempt(key, PENDING, retry_after=0.0))
            handed.append(key)
            continue
        claimed = [ahead[key]] if key in ahead else _claim(engine, [key], platforms.names)
        attempts.append(_send(platforms, claimed[0]) if claimed else Attempt(key, SKIPPED))
        if pace is not None and attempts[-1].retry_after is not None:
            pace.limited(attempts[-1].retry_after)
    _record(engine, [a for a in attempts if a.status != SKIPPED and a.key not in handed], handed)
    return attempts


def _send(platforms: Platforms, delivery: Delivery) -> Attempt:
    try:
        platforms.of(delivery.platform).send(delivery.key, delivery.recipient, Message.from_json(delivery.payload))
    except Exception as err:
        return _not_sent(delivery, err)
    return Attempt(delivery.key, SENT)


def attempt_together(engine: Engine, platforms: Platforms, keys: list[str]) -> list[Attempt]:
    """Claim `keys`, deliveries of one message to several people on a platform that sends one
    message to many in a call (`send_many`), and send it once to all those claimed."""
    claimed = _claim(engine, keys, platforms.names)
    attempts = [Attempt(key, SKIPPED) for key in keys if key not in {d.key for d in claimed}]
    if not claimed:
        return attempts
    platform, message = platforms.of(claimed[0].platform), Message.from_json(claimed[0].payload)
    try:
        refused = set(platform.send_many([d.recipient for d in claimed], message))
    except Exception as err:
        tried = [_not_sent(d, err) for d in claimed]
    else:
        tried = [_not_sent(d, Undeliverable(f"{platform.name} cannot reach {d.recipient}"))
                 if d.recipient in refused else Attempt(d.key, SENT) for d in claimed]
    _record(engine, tried)
    return attempts + tried


def _not_sent(delivery: Delivery, err: Exception) -> Attempt:
    """A claimed delivery whose send raised `err`: in doubt, pending again, or failed."""
    key = delivery.key
    if isinstance(err, SendFailed):
        if err.unsure:  # left "sending": settle_in_doubt asks the platform once the lease is over
            return Attempt(key, IN_DOUBT, error=err.reason)
        given_up = err.retry_after is None and delivery.attempts >= MAX_ATTEMPTS  # a 429 is no failure
        return Attempt(key, FAILED if given_up else PENDING, err.retry_after, err.reason)
    if isinstance(err, Undeliverable):
        return Attempt(key, FAILED, error=str(err))
    # not the platform's answer: log it, and try again up to MAX_ATTEMPTS
    log.error("sending %s failed unexpectedly", key, exc_info=err)
    return Attempt(key, FAILED if delivery.attempts >= MAX_ATTEMPTS else PENDING,
                   error=f"{type(err).__name__}: {err}")


def together(engine: Engine, platforms: Platforms, keys: list[str]) -> list[list[str]]:
    """`keys` in groups to send in one call each: the deliveries of one message to several people
    on a platform that can send to many at once; every other key alone. In the keys' order."""
    many = {p.name for p in platforms.all if hasattr(p, "send_many")}
    if not many:
        return [[key] for key in keys]
    rows = {}
    with Session(engine) as session:
        for start in range(0, len(keys), 500):
            rows.update((key, (platform, recipient, payload)) for key, platform, recipient, payload in session.exec(
                select(Delivery.key, Delivery.platform, Delivery.recipient, Delivery.payload)
                .where(Delivery.key.in_(keys[start:start + 500]))).all())
    groups: dict[tuple[str, str], list[str]] = {}
    for key in keys:
        platform, recipient, payload = rows.get(key, ("", "", ""))
        grouped = platform in many and not recipient.startswith("#")
        groups.setdefault((platform, payload) if grouped else ("", key), []).append(key)
    return list(groups.values())


def deliver(engine: Engine, platforms: Platforms, keys: list[str]) -> Outcome:
    """Send each of `keys` once, one after the other (a 429 leaves it pending for later)."""
    outcome = Outcome()
    for key in keys:
        outcome.add(attempt(engine, platforms, key))
    return outcome


def pending_keys(engine: Engine, platforms: Platforms, prefixes: tuple[str, ...] = ("",)) -> list[str]:
    """Deliveries waiting to go out on `platforms` whose key starts with one of `prefixes`, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(Delivery.key).where(
            Delivery.status == PENDING, Delivery.platform.in_(platforms.names),
            or_(*(Delivery.key.startswith(p) for p in prefixes)))
            .order_by(Delivery.id)).all())


def expire(engine: Engine, now: datetime) -> list[str]:
    """Mark failed the pending deliveries no longer worth sending at `now`; returns their keys."""
    with Session(engine) as session:
        pending = session.exec(select(Delivery.key, Delivery.payload).where(Delivery.status == PENDING)
                               .order_by(Delivery.id)).all()
        stale = [key for key, payload in pending if _is_past(Message.from_json(payload).until, now)]
        if stale:
            session.execute(update(Delivery).where(Delivery.key.in_(stale), Delivery.status == PENDING)
                            .values(status=FAILED, last_error=EXPIRED))
            session.commit()
    return stale


def _is_past(until: datetime | None, now: datetime) -> bool:
    return until is not None and now > until


def settle_in_doubt(engine: Engine, platforms: Platforms, older_than: timedelta) -> Outcome:
    """Deliveries claimed and never finished because their sender died (its process on this
    machine is gone, or the claim is older than `older_than`): sent when their platform has them,
    pending again when it does not."""
    outcome = Outcome()
    with Session(engine) as session:
        sending = session.exec(select(Delivery).where(Delivery.status == SENDING,
                                                      Delivery.platform.in_(platforms.names))
                               .order_by(Delivery.id)).all()
    stuck = [d for d in sending if runner.is_gone(d.claimed_by) or d.claimed_at < utcnow() - older_than]
    for delivery in stuck:
        arrived = platforms.of(delivery.platform).was_sent(delivery)
        if arrived is None:
            outcome.skipped.append(delivery.key)
            continue
        _finish(engine, delivery.key, SENT if arrived else PENDING, None if arrived else "not received")
        (outcome.sent if arrived else outcome.pending).append(delivery.key)
    return outcome


def _claim(engine: Engine, keys: list[str], platforms: tuple[str, ...]) -> list[Delivery]:
    """Take those of `keys` pending that go out on one of `platforms`: one UPDATE decides between
    processes, only one sees a row change. Rows another process is claiming just now are left to
    it (SKIP LOCKED, where the database has it), so that two claims never wait on each other."""
    table = Delivery.__table__
    if not keys or not platforms:
        return []
    if not engine.dialect.update_returning:  # no UPDATE … RETURNING: one key at a time
        return [d for key in keys for d in _claim_one(engine, key, platforms)]
    pending = select(table.c.id).where(table.c.key.in_(keys), table.c.status == PENDING,
                                       table.c.platform.in_(platforms)).with_for_update(skip_locked=True)
    with engine.begin() as connection:
        rows = connection.execute(update(table).where(table.c.id.in_(pending), table.c.status == PENDING)
                                  .values(_claimed()).returning(*table.c)).mappings().all()
    return [Delivery(**row) for row in rows]


def _claim_one(engine: Engine, key: str, platforms: tuple[str, ...]) -> list[Delivery]:
    with Session(engine) as session:
        claimed = session.execute(update(Delivery).where(Delivery.key == key, Delivery.status == PENDING,
                                                         Delivery.platform.in_(platforms)).values(_claimed())
                                  ).rowcount
        session.commit()
        return list(session.exec(select(Delivery).where(Delivery.key == key)).all()) if claimed else []


def _claimed() -> dict[str, Any]:
    return {"status": SENDING, "claimed_at": utcnow(), "claimed_by": runner.me(),
            "attempts": Delivery.__table__.c.attempts + 1}


def _record(engine: Engine, attempts: list[Attempt], handed: list[str] = ()) -> None:
    """Write down how the sends of claimed deliveries went, in one transaction: sent, pending
    again or failed; one in doubt stays "sending" and is no longer this process's (whether this
    process lives or not, its platform is asked only once the lease is over: it may still be
    taking the message). Those `handed` back unsent are pending again as they were."""
    table, now = Delivery.__table__, utcnow()
    sent = [a.key for a in attempts if a.status == SENT]
    with engine.begin() as connection:
        if handed:
            connection.execute(update(table).where(table.c.key.in_(handed), table.c.status == SENDING)
                               .values(status=PENDING, attempts=table.c.attempts - 1))
        if sent:
            connection.execute(update(table).where(table.c.key.in_(sent), table.c.status == SENDING)
                               .values(status=SENT, sent_at=now, last_error=None))
        for tried in (a for a in attempts if a.status != SENT):
            done = {"claimed_by": TIMED_OUT} if tried.status == IN_DOUBT else {"status": tried.status, "sent_at": None}
            connection.execute(update(table).where(table.c.key == tried.key, table.c.status == SENDING)
                               .values(last_error=(tried.error or "")[:500] or None, **done))


def _finish(engine: Engine, key: str, status: str, error: str | None = None) -> None:
    with Session(engine) as session:
        sent_at: datetime | None = utcnow() if status == SENT else None
        session.execute(update(Delivery).where(Delivery.key == key, Delivery.status == SENDING)
                        .values(status=status, sent_at=sent_at, last_error=(error or "")[:500] or None))
        session.commit()
