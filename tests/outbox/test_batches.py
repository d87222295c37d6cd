"""Large rounds, few transactions: a sending thread takes a few deliveries at once, claims them
in one transaction when their platform can be asked what arrived (each just before its send
otherwise), and writes down how they went in one. Every delivery is still claimed before it is
sent, none is sent twice, and a crash half-way through leaves nothing that asking cannot settle."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.outbox import deliveries
from bot.outbox.deliveries import Message, Queued
from bot.outbox.fanout import fan_out
from bot.outbox.platforms import Platforms
from bot.store.db import make_engine
from bot.store.models import Delivery
from recording import RecordingPlatform


class Crash(BaseException):
    """The process dying in the middle of a send (not an error the outbox catches)."""


@dataclass
class Watching(RecordingPlatform):
    """Records, at each send, the status of every delivery; raises Crash at send number `crash`."""

    engine: object = None
    tells_what_arrived: bool = False
    crash: int | None = None
    seen: list[dict[str, str]] = field(default_factory=list)

    def send(self, key: str, recipient: str, message: Message) -> None:
        self.seen.append(statuses(self.engine))
        if len(self.seen) == self.crash:
            raise Crash
        super().send(key, recipient, message)


def statuses(engine) -> dict[str, str]:
    with Session(engine) as session:
        return dict(session.exec(select(Delivery.key, Delivery.status)).all())


def queue(engine, platform: str, n: int) -> list[str]:
    with Session(engine) as session:
        return deliveries.enqueue_many(session=session, items=[
            Queued(f"k:{i:04d}", f"E{i:04d}", platform, Message(f"Hello {i}")) for i in range(n)])


def test_a_platform_that_tells_what_arrived_has_them_claimed_together_and_written_down_together(engine):
    platform = Watching("slackish", engine=engine, tells_what_arrived=True)
    keys = queue(engine, "slackish", 3)
    attempts = deliveries.attempt_each(engine, Platforms([platform]), keys)
    assert [a.status for a in attempts] == ["sent"] * 3
    assert platform.seen == [dict.fromkeys(keys, "sending")] * 3  # all claimed first, none written before the end
    assert statuses(engine) == dict.fromkeys(keys, "sent")


def test_a_platform_that_answers_by_a_rule_has_each_claimed_just_before_its_send(engine):
    platform = Watching("rulebound", engine=engine)
    keys = queue(engine, "rulebound", 3)
    deliveries.attempt_each(engine, Platforms([platform]), keys)
    assert platform.seen == [{"k:0000": "sending", "k:0001": "pending", "k:0002": "pending"},
                             {"k:0000": "sending", "k:0001": "sending", "k:0002": "pending"},
                             dict.fromkeys(keys, "sending")]
    assert statuses(engine) == dict.fromkeys(keys, "sent")


@pytest.mark.parametrize("tells", [True, False], ids=["asked", "by rule"])
def test_a_crash_before_they_are_written_down_leaves_them_in_doubt_and_asking_settles_each(engine, tells):
    """The process dies sending the third of four: the two sent are "sending" still, and so is the
    third; the fourth is claimed already only where the platform can be asked. Settled after the
    lease, the two sent count as sent and the others go out once more."""
    platform = Watching("p", engine=engine, tells_what_arrived=tells, crash=3)
    keys = queue(engine, "p", 4)
    with pytest.raises(Crash):
        deliveries.attempt_each(engine, Platforms([platform]), keys)
    assert statuses(engine) == {"k:0000": "sending", "k:0001": "sending", "k:0002": "sending",
                                "k:0003": "sending" if tells else "pending"}
    settled = deliveries.settle_in_doubt(engine, Platforms([platform]), older_than=timedelta(0))
    assert (sorted(settled.sent), sorted(settled.pending)) == (keys[:2], keys[2:] if tells else keys[2:3])
    platform.crash = None
    assert sorted(deliveries.deliver(engine, Platforms([platform]), keys).sent) == keys[2:]
    assert Counter(key for key, _, _ in platform.sent) == Counter(keys)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_engine(request, engine):
    if request.param == "sqlite":
        yield engine
        return
    database = request.getfixturevalue("own_pg")
    other = make_engine(database.url)
    yield other
    other.dispose()


@pytest.mark.parametrize("tells", [True, False], ids=["asked", "by rule"])
def test_two_fan_outs_of_a_large_round_at_once_send_each_delivery_once(any_engine, tells):
    """As two replicas retrying the same 600 deliveries at the same moment, 8 threads each, taking
    them 8 at a time."""
    platform = RecordingPlatform("p")
    platform.tells_what_arrived = tells
    keys = queue(any_engine, "p", 600)
    outcomes = []
    senders = [threading.Thread(target=lambda: outcomes.append(fan_out(any_engine, Platforms([platform]), keys)))
               for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sorted(outcomes[0].sent + outcomes[1].sent) == keys
    assert sorted(outcomes[0].skipped + outcomes[1].skipped) == keys
    assert Counter(key for key, _, _ in platform.sent) == Counter(keys)
    assert statuses(any_engine) == dict.fromkeys(keys, "sent")


def test_one_claimed_ahead_whose_turn_comes_too_late_is_handed_back_unsent(engine):
    """The second send takes over a minute (Slack holding everyone, say): the third, claimed ahead
    with them, is not sent so long after its claim, but goes back to pending, its try not counted."""
    now = [0.0]

    class Slow(Watching):
        def send(self, key, recipient, message):
            super().send(key, recipient, message)
            now[0] += 61 if len(self.sent) == 2 else 1

    platform = Slow("slackish", engine=engine, tells_what_arrived=True)
    keys = queue(engine, "slackish", 3)
    attempts = deliveries.attempt_each(engine, Platforms([platform]), keys, clock=lambda: now[0])
    assert [(a.status, a.retry_after) for a in attempts] == [("sent", None), ("sent", None), ("pending", 0.0)]
    assert [key for key, _, _ in platform.sent] == keys[:2]
    with Session(engine) as session:
        assert session.exec(select(Delivery.status, Delivery.attempts).where(Delivery.key == keys[2])).one() == \
            ("pending", 0)
    assert deliveries.deliver(engine, Platforms([platform]), keys).sent == keys[2:]
