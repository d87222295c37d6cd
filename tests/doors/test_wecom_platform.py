"""WeCom as a platform of the outbox, against the stand-in over HTTP on a migrated database: app
messages to people by employee ID (markdown or text, cut to 2,048 bytes), invalid users failed,
each member's rate kept without WeCom dropping anything, the month-end post and its chart through
the robot, and the rule for a message in doubt: counted as sent, never sent twice."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from factories import add_agent
from sqlalchemy import update
from sqlmodel import Session, select
from wecom_fixtures import Clock, app_settings, long_board, png, standin  # noqa: F401
from wecom_standin import WecomStandIn

from bot.doors.wecom.api import WecomApi
from bot.doors.wecom.platform import ROBOT, WecomPlatform
from bot.doors.wecom.robot import Robot
from bot.outbox import deliveries
from bot.outbox.deliveries import (
    FAILED,
    IN_DOUBT,
    PENDING,
    SENDING,
    SENT,
    Attachment,
    Message,
    Undeliverable,
)
from bot.outbox.fanout import fan_out
from bot.outbox.platforms import Channel, Note, Platforms, write
from bot.store.models import Agent, Delivery, utcnow
from messages.render import render
from messages.wecom import markdown, size

OOPS = {"en": "Something went wrong on our side and it has been logged. Please try again.",
        "zh-CN": "我们这边出了问题，已记录在案。请再试一次。"}


@dataclass
class World:
    standin: WecomStandIn
    clock: Clock
    engine: object
    platform: WecomPlatform
    people: dict[str, Agent]

    @property
    def platforms(self) -> Platforms:
        return Platforms([self.platform])

    def note(self, key: str, who: str, template: str = "chat_line", locale: str = "en", **context) -> Note:
        return Note(key, self.people[who], template, context or {"key": "chat.oops"}, locale)

    def deliver(self, *notes: Note) -> deliveries.Outcome:
        with Session(self.engine) as session:
            keys = write(session=session, platforms=self.platforms, notes=notes)
        return deliveries.deliver(self.engine, self.platforms, keys)

    def delivery(self, key: str) -> Delivery:
        with Session(self.engine) as session:
            return session.exec(select(Delivery).where(Delivery.key == key)).one()


def make_world(standin, engine, session, *, text_only: bool = False, timeout: float = 5) -> World:  # noqa: F811
    clock = Clock(standin)
    people = {e: add_agent(session, e, name=n, wecom_user_id=u) for e, n, u in (
        ("A001", "Wang Fang", "WangFang"), ("A002", "Li Na", "lina"), ("A003", "Zhao Lei", "ghost"),
        ("A004", "Chen Jing", None))}
    api = WecomApi(settings=app_settings(standin), engine=engine, timeout=timeout)
    robot = Robot(standin.webhook_url(), timeout=timeout, clock=clock)
    platform = WecomPlatform(api=api, robot=robot, engine=engine, text_only=text_only, clock=clock)
    return World(standin, clock, engine, platform, people)


@pytest.fixture
def world(standin, engine, session) -> World:  # noqa: F811
    return make_world(standin, engine, session)


def contents(world: World, user: str) -> list[str]:
    return [m[m["msgtype"]]["content"] for m in world.standin.received[user]]


def test_it_reaches_people_with_a_wecom_user_and_posts_in_a_group_only_with_a_robot(world, engine):
    assert [world.platform.reaches(a) for a in world.people.values()] == [True, True, True, False]
    assert (world.platform.name, world.platform.channel, world.platform.channel_setting) == \
        ("wecom", ROBOT, "WECOM_WEBHOOK_URL")
    alone = WecomPlatform(api=world.platform.api, robot=None, engine=engine, text_only=False)
    assert alone.channel is None and Platforms([alone]).unset_channels() == ["WECOM_WEBHOOK_URL"]


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_person_gets_markdown_with_its_first_line_bold(world, locale):
    assert world.deliver(world.note("k:1", "A001", locale=locale)).sent == ["k:1"]
    (sent,) = world.standin.received["wangfang"]
    assert (sent["msgtype"], sent["markdown"]["content"]) == ("markdown", f"**{OOPS[locale]}**")
    assert "enable_duplicate_check" not in sent  # see the platform's docstring


def test_with_wecom_format_text_a_person_gets_plain_text(standin, engine, session):  # noqa: F811
    world = make_world(standin, engine, session, text_only=True)
    world.deliver(world.note("k:1", "A002", locale="zh-CN"))
    (sent,) = standin.received["lina"]
    assert (sent["msgtype"], sent["text"]["content"]) == ("text", OOPS["zh-CN"])


def test_a_user_wecom_does_not_know_and_a_person_without_one_are_undeliverable(world):
    outcome = world.deliver(world.note("k:ghost", "A003"))
    assert outcome.failed == ["k:ghost"]
    assert world.delivery("k:ghost").last_error == "WeCom does not know user ghost (A003)"
    with pytest.raises(Undeliverable, match="A004 has no WeCom user"):
        world.platform.send("k:none", "A004", Message("hi"))
    assert world.standin.received == {}


@pytest.mark.parametrize("locale, more", [("en", r"…and (\d+) more"), ("zh-CN", r"……另有 (\d+) 条")])
@pytest.mark.parametrize("text_only", [False, True])
def test_a_long_message_is_cut_to_2048_bytes_by_whole_lines_and_says_how_many_more(
        standin, engine, session, locale, more, text_only):  # noqa: F811
    world = make_world(standin, engine, session, text_only=text_only)
    note = world.note("k:board", "A001", "leaderboard_post", locale, **long_board(120))
    assert world.deliver(note).sent == ["k:board"]
    (content,) = contents(world, "wangfang")
    whole = render("leaderboard_post", locale, **long_board(120)).strip("\n")
    whole = whole if text_only else markdown(whole)
    lines = content.split("\n")
    left_out = int(re.fullmatch(more, lines[-1]).group(1))
    assert size(content) <= 2048 < size(whole) and standin.refused == []
    assert whole.split("\n")[:len(lines) - 1] == lines[:-1] and len(lines) - 1 + left_out == len(whole.split("\n"))


def test_a_burst_of_40_to_one_person_keeps_to_30_a_minute_and_wecom_drops_nothing(world):
    notes = [world.note(f"k:{n}", "A001") for n in range(40)]
    with Session(world.engine) as session:
        keys = write(session=session, platforms=world.platforms, notes=notes)
    first = [deliveries.attempt(world.engine, world.platforms, key) for key in keys]
    assert [a.status for a in first] == [SENT] * 30 + [PENDING] * 10
    assert all(a.retry_after == pytest.approx(60) for a in first[30:])
    world.clock.advance(60)
    assert deliveries.deliver(world.engine, world.platforms, keys[30:]).sent == keys[30:]
    assert len(world.standin.received["wangfang"]) == 40
    assert world.standin.dropped == {} and world.standin.refused == []


def test_an_hour_keeps_to_1000_messages_to_one_member(world):
    """Counted as the platform counts them (a thousand over HTTP would only be slower)."""
    members = world.platform.members
    for _ in range(1000):
        assert members.take(["lina"]) == 0
        world.clock.advance(3.5)
    assert members.take(["lina"]) == pytest.approx(3600 - 1000 * 3.5)
    assert members.take(["wangfang"]) == 0  # each member has an hour of their own


def test_the_standin_drops_past_a_members_30_a_minute_as_wecom_does(world):
    """So the test above could fail: without kpibot's own count, the 31st is accepted and lost."""
    for n in range(31):
        world.platform.api.send(["lina"], {"msgtype": "text", "text": {"content": f"{n}"}})
    assert (len(world.standin.received["lina"]), len(world.standin.dropped["lina"])) == (30, 1)


def test_one_message_to_several_people_goes_in_one_call_and_says_who_it_could_not_reach(world):
    message = world.platform.render(world.note("k:x", "A001", locale="zh-CN"))
    assert world.platform.send_many(["A001", "A002", "A003", "A004", "A001"], message) == ["A004", "A003"]
    (call,) = world.standin.of("message/send")
    assert call.body["touser"] == "WangFang|lina|ghost"
    assert contents(world, "wangfang") == contents(world, "lina") == [f"**{OOPS['zh-CN']}**"]


def test_the_month_end_post_and_its_chart_go_through_the_robot_in_order(world):
    chart = png()
    group = Channel("wecom", ROBOT)
    post = Note("month-end:2026-11:#robot", group, "leaderboard_post", long_board(400), "zh-CN")
    picture = Note("month-end:2026-11:#robot:chart", group, "leaderboard_chart", {"month": "2026-11"}, "zh-CN",
                   file=Attachment("2026-11.png", chart))
    assert world.deliver(post, picture).sent == [post.key, picture.key]
    kinds = [p["msgtype"] for p in world.standin.robot_posts]
    assert kinds[:-2] == ["markdown"] * (len(kinds) - 2) and kinds[-2:] == ["markdown", "image"]
    text = "".join(p["markdown"]["content"] for p in world.standin.robot_posts[:-2])
    assert text == markdown(render("leaderboard_post", "zh-CN", **long_board(400)))
    assert world.standin.robot_posts[-2]["markdown"]["content"] == "**2026-11排行榜图表**"


def test_a_group_post_cut_short_goes_on_where_it_stopped(world):
    picture = Note("chart", Channel("wecom", ROBOT), "leaderboard_chart", {"month": "2026-11"},
                   file=Attachment("2026-11.png", png()))
    world.standin.script("webhook/send")  # the text goes; then the image is refused
    world.standin.script("webhook/send", body={"errcode": 45009, "errmsg": "api freq out of limit"})
    outcome = world.deliver(picture)
    assert outcome.pending == ["chart"]
    assert deliveries.deliver(world.engine, world.platforms, ["chart"]).sent == ["chart"]
    assert [p["msgtype"] for p in world.standin.robot_posts] == ["markdown", "image"]


@pytest.mark.parametrize("status, body, retry_after", [
    (200, {"errcode": 45033, "errmsg": "api concurrent out of limit"}, 1.0),
    (200, {"errcode": 45009, "errmsg": "api freq out of limit"}, 60.0),
    (503, None, None),
])
def test_limits_and_server_errors_leave_the_message_pending(world, status, body, retry_after):
    world.platform.api.token()
    world.standin.script("message/send", status=status, body=body)
    with Session(world.engine) as session:
        (key,) = write(session=session, platforms=world.platforms, notes=[world.note("k:1", "A001")])
    tried = deliveries.attempt(world.engine, world.platforms, key)
    assert (tried.status, tried.retry_after) == (PENDING, retry_after)
    assert deliveries.attempt(world.engine, world.platforms, key).status == SENT


def test_a_revoked_token_mid_round_is_renewed_and_the_message_goes(world):
    world.deliver(world.note("k:1", "A001"))
    world.standin.revoke()
    assert world.deliver(world.note("k:2", "A002")).sent == ["k:2"]
    assert len(world.standin.of("gettoken")) == 2


def test_a_server_that_does_not_trust_this_address_fails_the_message_with_the_fix(world):
    world.platform.api.token()
    world.standin.script("message/send", body={"errcode": 60020, "errmsg": "not allow to access from your ip"})
    assert world.deliver(world.note("k:1", "A001")).failed == ["k:1"]
    assert "trusted IPs" in world.delivery("k:1").last_error


def test_a_send_that_timed_out_counts_as_sent_and_is_never_sent_again(standin, engine, session, caplog):  # noqa: F811
    world = make_world(standin, engine, session, timeout=0.3)
    world.platform.api.token()
    held = standin.hold("message/send")
    with Session(engine) as fresh:
        (key,) = write(session=fresh, platforms=world.platforms, notes=[world.note("k:1", "A001")])
    assert deliveries.attempt(engine, world.platforms, key).status == IN_DOUBT
    held.set()
    _until(lambda: standin.received["wangfang"])
    with caplog.at_level(logging.WARNING, logger="kpibot.wecom"):
        settled = deliveries.settle_in_doubt(engine, world.platforms, older_than=timedelta(0))
    assert settled.sent == [key] and world.delivery(key).status == SENT
    assert "counted as sent" in caplog.text
    assert deliveries.deliver(engine, world.platforms, [key]).skipped == [key]
    assert len(standin.of("message/send")) == 1 and len(standin.received["wangfang"]) == 1


def test_a_send_cut_short_by_a_crash_counts_as_sent_too(world):
    """Its process died between the claim and WeCom's answer: WeCom cannot be asked."""
    with Session(world.engine) as session:
        (key,) = write(session=session, platforms=world.platforms, notes=[world.note("k:1", "A001")])
        session.execute(update(Delivery).where(Delivery.key == key).values(
            status=SENDING, claimed_by="elsewhere:1", claimed_at=utcnow() - timedelta(hours=1)))
        session.commit()
    assert deliveries.settle_in_doubt(world.engine, world.platforms, older_than=timedelta(minutes=5)).sent == [key]
    assert world.standin.calls == [] and world.delivery(key).status == SENT


def test_a_message_that_can_never_go_fails_at_once(world):
    world.platform.api.token()
    world.standin.script("message/send", body={"errcode": 40058, "errmsg": "markdown.content exceed max length 2048"})
    assert world.deliver(world.note("k:1", "A001")).failed == ["k:1"]
    assert world.delivery("k:1").status == FAILED


def _until(condition, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_round_sends_one_message_to_several_people_in_one_call(world):
    """The fan-out groups deliveries of the same message on WeCom: one call for Wang Fang, Li Na
    and Zhao Lei (whom WeCom does not know: failed), another for the one message that differs."""
    same = [world.note(f"k:{who}", who, locale="zh-CN") for who in ("A001", "A002", "A003")]
    other = world.note("k:other", "A002", locale="en")
    with Session(world.engine) as session:
        keys = write(session=session, platforms=world.platforms, notes=[*same, other])
    outcome = fan_out(world.engine, world.platforms, keys)
    assert (sorted(outcome.sent), outcome.failed) == (["k:A001", "k:A002", "k:other"], ["k:A003"])
    assert sorted(call.body["touser"] for call in world.standin.of("message/send")) == ["WangFang|lina|ghost", "lina"]
    assert world.delivery("k:A003").last_error == "wecom cannot reach A003"
    assert contents(world, "lina") == [f"**{OOPS['zh-CN']}**", f"**{OOPS['en']}**"] or \
        contents(world, "lina") == [f"**{OOPS['en']}**", f"**{OOPS['zh-CN']}**"]
