"""The outbox without HTTP: each delivery goes out on the platform of its person, once, and only a
process that has that platform set up claims it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from bot.outbox import deliveries
from bot.outbox.deliveries import Message
from bot.outbox.platforms import Channel, Note, Platforms, write
from bot.store.models import Delivery
from factories import add_agent
from recording import RecordingPlatform


def test_a_note_goes_to_the_first_platform_that_reaches_its_person(session, engine):
    """Wang Fang is reached by both platforms, Li Na by the second only, Zhao Lei by neither: he
    gets no delivery at all (a round leaves out whom no platform reaches)."""
    people = [add_agent(session, e, name=n) for e, n in (("A001", "Wang Fang"), ("A002", "Li Na"), ("A003", "Zhao Lei"))]
    first, second = RecordingPlatform("first", reach={"A001"}), RecordingPlatform("second", reach={"A001", "A002"})
    platforms = Platforms([first, second])
    notes = [Note(f"k:{a.employee_id}", a, "chat_line", {"key": "chat.oops"}) for a in people]
    keys = write(session=session, platforms=platforms, notes=notes)
    assert keys == ["k:A001", "k:A002"]
    assert sorted(deliveries.deliver(engine, platforms, keys).sent) == keys
    oops = "Something went wrong on our side and it has been logged. Please try again."
    assert (first.sent, second.sent) == ([("k:A001", "A001", oops)], [("k:A002", "A002", oops)])
    with Session(engine) as fresh:
        assert {d.key: d.platform for d in fresh.exec(select(Delivery))} == {"k:A001": "first", "k:A002": "second"}


def test_a_process_without_a_deliverys_platform_leaves_it_to_one_that_has_it(session, engine):
    agent = add_agent(session, "A001")
    elsewhere, here = RecordingPlatform("elsewhere"), RecordingPlatform("here")
    write(session=session, platforms=Platforms([elsewhere]),
          notes=[Note("k:1", agent, "chat_line", {"key": "chat.oops"})])
    assert deliveries.pending_keys(engine, Platforms([here])) == []
    assert deliveries.deliver(engine, Platforms([here]), ["k:1"]).skipped == ["k:1"]
    assert deliveries.deliver(engine, Platforms([elsewhere]), ["k:1"]).sent == ["k:1"]
    assert (here.sent, [key for key, _, _ in elsewhere.sent]) == ([], ["k:1"])


def test_a_channel_note_goes_to_its_platform_and_a_key_is_written_once(session, engine):
    board = RecordingPlatform("board", channel="#C0BOARD")
    platforms = Platforms([board])
    (channel,) = platforms.channels()
    assert channel == Channel("board", "#C0BOARD")
    note = Note("month-end:2026-11:#C0BOARD", channel, "chat_line", {"key": "chat.oops"})
    assert write(session=session, platforms=platforms, notes=[note]) == [note.key]
    assert write(session=session, platforms=platforms, notes=[note]) == [note.key]  # the same key: not twice
    assert deliveries.deliver(engine, platforms, [note.key, note.key]).skipped == [note.key]
    assert [recipient for _, recipient, _ in board.sent] == ["#C0BOARD"]


def test_a_payload_written_before_platforms_had_layouts_still_reads():
    """Deliveries written before 0006 stored Slack's blocks as "blocks"."""
    old = '{"text": "Hello", "blocks": [{"type": "divider"}], "file": null, "until": "2026-11-24T00:00:00+08:00"}'
    message = Message.from_json(old)
    assert (message.text, message.layout, message.until.date()) == ("Hello", [{"type": "divider"}], date(2026, 11, 24))
    assert Message.from_json(message.to_json()) == message


def test_deliveries_left_in_doubt_are_settled_oldest_first_whatever_was_updated_last(session, engine):
    """PostgreSQL returns rows without an ORDER BY as they lie on disk, and an UPDATE moves a row
    to the end: the deliveries a dead sender left are settled in the order they were written."""
    agents = [add_agent(session, e) for e in ("A001", "A002", "A003")]
    platforms = Platforms([RecordingPlatform()])
    keys = write(session=session, platforms=platforms,
                 notes=[Note(f"k:{a.employee_id}", a, "chat_line", {"key": "chat.oops"}) for a in agents])
    for key in reversed(keys):  # claimed newest first, by a sender on a machine gone since
        session.execute(update(Delivery).where(Delivery.key == key).values(
            status="sending", claimed_at=datetime(2026, 11, 3, tzinfo=UTC), claimed_by="gone:1"))
        session.commit()
    assert deliveries.settle_in_doubt(engine, platforms, older_than=timedelta(minutes=5)).pending == keys
