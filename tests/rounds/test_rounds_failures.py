"""Slack saying no: a 429 with Retry-After is waited out and the message still goes out in the same
run; 5xx answers are retried with backoff and what keeps failing stays pending for the retry;
what can never succeed (channel_not_found) fails; a post that times out is asked about, never
blindly sent again. `kpibot jobs status` lists them, in both languages. The center is tests/rounds_world.py and its Monday round (8 messages)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient
from sqlalchemy import update
from sqlmodel import Session, select

from bot.rounds.morning import morning
from bot.store.models import Delivery, JobRun
from bot.outbox.deliveries import TIMED_OUT
from bot.doors.slack.directory import Directory
from bot.doors.slack.platform import SlackPlatform, outbox_client
from bot.outbox.pacing import Pacer
from bot.outbox.platforms import Platforms
from rounds_world import CHANNEL, DIES, TOKEN, kpibot, make_world, posts_per_key, transcript, world  # noqa: F401

from test_rounds_morning import MONDAY, ROUND, monday_transcript

FATAL = (500, {"ok": False, "error": "fatal_error"})
UNAVAILABLE = (503, {"ok": False, "error": "service_unavailable"})
NO_CHANNEL = (200, {"ok": False, "error": "channel_not_found"})


def arrivals_of(world, key: str) -> list[tuple[float, int]]:  # noqa: F811
    return [(a["t"], a["status"]) for a in world.standin.arrivals if a["key"] == key]


def run_started_at(world, when: datetime) -> None:  # noqa: F811
    """Pin the runs' start so that `jobs status` prints a known time."""
    with Session(world.engine) as session:
        session.execute(update(JobRun).values(started_at=when))
        session.commit()


def test_a_429_is_waited_out_and_the_message_still_goes_out_in_the_same_run(world):  # noqa: F811
    world.finds_chen_jing()
    world.standin.script("chat.postMessage", 429, Retry_After="1")  # whichever post comes first
    report = world.morning(MONDAY)
    assert (report.state, sorted(report.outcome.sent), report.outcome.pending, report.outcome.failed) == \
        ("ran", sorted(ROUND), [], [])
    limited = next(a["key"] for a in world.standin.arrivals if a["status"] == 429)
    (refused, status), (retried, again) = arrivals_of(world, limited)
    assert (status, again, retried - refused >= 1.0) == (429, 200, True)
    assert posts_per_key(world.standin) == Counter(ROUND + [limited])
    assert world.deliveries() == {key: ("sent", 2 if key == limited else 1, None) for key in ROUND}


def test_after_a_429_nothing_more_is_sent_until_its_retry_after_is_over(world):  # noqa: F811
    """"Everyone waits out the Retry-After" (bot/outbox/fanout.py): in the second after the 429
    only requests already on their way may reach Slack, at most one for each of the 7 other
    sending threads (the round's other requests would all come in that second otherwise).
    Counted rather than timed: on a busy machine a request on its way can take a while."""
    world.finds_chen_jing()
    world.standin.script("chat.postMessage", 429, Retry_After="1")
    world.morning(MONDAY)
    limited = next(a["t"] for a in world.standin.arrivals if a["status"] == 429)
    early = [(round(a["t"] - limited, 3), a["method"], a["key"]) for a in world.standin.arrivals
             if limited < a["t"] < limited + 1.0]
    assert len(early) <= 7, early
    assert len(world.standin.arrivals) == 18  # Chen Jing's email, 8 DM channels, 8 posts and the one refused


class CountingPacer(Pacer):
    """A pacer at no rate that counts the turns taken and the holds asked for."""

    def __init__(self):
        super().__init__()
        self.turns, self.holds = 0, []

    def wait(self) -> None:
        self.turns += 1
        super().wait()

    def limited(self, retry_after: float) -> None:
        self.holds.append(retry_after)
        super().limited(retry_after)


def test_every_request_of_a_round_takes_its_turn_at_the_pace_and_a_429_holds_it(world):  # noqa: F811
    world.finds_chen_jing()
    world.standin.script("chat.postMessage", 429, Retry_After="1")
    client, pacer = WebClient(token=TOKEN, base_url=world.standin.api_url), CountingPacer()
    paced = SlackPlatform(client=outbox_client(client), directory=Directory(client), engine=world.engine,
                          channel=CHANNEL, pacer=pacer)
    report = morning(center=world.center, engine=world.engine, platforms=Platforms([paced]), day=MONDAY)
    assert sorted(report.outcome.sent) == sorted(ROUND)
    sends = [a for a in world.standin.arrivals if a["method"] in ("conversations.open", "chat.postMessage")]
    assert (pacer.turns, len(sends), pacer.holds) == (17, 17, [1.0])  # 8 DM channels opened, 9 posts


@pytest.fixture
def rate_limited(database_url, policy):
    """The world behind a stand-in that answers 429 (Retry-After: 1) past 5 requests a second."""
    made = make_world(database_url, policy, per_second=5)
    yield made
    made.standin.close()
    made.engine.dispose()


def test_past_slacks_rate_limit_every_message_still_goes_out_once_in_the_same_run(rate_limited):
    world = rate_limited  # noqa: F811
    world.finds_chen_jing()
    report = world.morning(MONDAY)
    assert (report.state, sorted(report.outcome.sent), report.outcome.pending, report.outcome.failed) == \
        ("ran", sorted(ROUND), [], [])
    assert world.standin.refused > 0  # the limit was hit: 16 calls and more cannot pass at 5 a second
    assert transcript(world.standin) == monday_transcript()  # the 429s aside, each call once
    assert posts_per_key(world.standin) == Counter(ROUND)


# --- server errors, and `jobs status` ------------------------------------------------------------

STATUS_BEFORE = """\
Deliveries: 6 sent, 1 pending, 1 failed, 0 in doubt.
Pending (sent on the next retry, every 5 minutes):
  morning:2026-11-23:A002 → A002 on Slack · 3 tries · 500 fatal_error
Failed (not sent again: their platform refused them, or they kept failing; the reason is shown):
  morning:2026-11-23:A006 → A006 on Slack · 2 tries · channel_not_found
Last runs:
  Morning round 2026-11-23 · done · 2026-11-23 01:00:00 UTC · 6 sent, 1 pending, 1 failed
Last pulls:
  none yet
"""
STATUS_AFTER = """\
Deliveries: 7 sent, 0 pending, 1 failed, 0 in doubt.
Failed (not sent again: their platform refused them, or they kept failing; the reason is shown):
  morning:2026-11-23:A006 → A006 on Slack · 2 tries · channel_not_found
Last runs:
  Morning round 2026-11-23 · done · 2026-11-23 01:00:00 UTC · 6 sent, 1 pending, 1 failed
Last pulls:
  none yet
"""


@pytest.fixture
def server_errors(world, kpibot):  # noqa: F811
    """Monday's round through `kpibot jobs run morning` while Slack answers Wang Fang's DM 503 once,
    Li Na's 500 three times, and Zhou Min's 500 then channel_not_found; returns what it printed."""
    world.finds_chen_jing()
    world.standin.fail("morning:2026-11-23:A001", UNAVAILABLE)
    world.standin.fail("morning:2026-11-23:A002", FATAL, FATAL, FATAL)
    world.standin.fail("morning:2026-11-23:A006", FATAL, NO_CHANNEL)
    printed = kpibot("jobs", "run", "morning", "--date", "2026-11-23")
    run_started_at(world, datetime(2026, 11, 23, 1, 0, 0, tzinfo=UTC))
    return printed


def test_server_errors_are_retried_with_backoff_and_what_keeps_failing_stays_pending(world, kpibot, server_errors):  # noqa: F811,E501
    assert server_errors == \
        (0, "Morning round 2026-11-23: 8 messages: 6 sent, 1 pending, 1 failed, 0 sent before.\n", "")
    assert [s for _, s in arrivals_of(world, "morning:2026-11-23:A001")] == [503, 200]
    assert [s for _, s in arrivals_of(world, "morning:2026-11-23:A006")] == [500, 200]
    tries = arrivals_of(world, "morning:2026-11-23:A002")
    assert [s for _, s in tries] == [500, 500, 500]
    assert (tries[1][0] - tries[0][0] >= 0.5, tries[2][0] - tries[1][0] >= 1.0) == (True, True)  # backing off
    assert world.deliveries() == {key: ("sent", 1, None) for key in ROUND} | {
        "morning:2026-11-23:A001": ("sent", 2, None),
        "morning:2026-11-23:A002": ("pending", 3, "500 fatal_error"),
        "morning:2026-11-23:A006": ("failed", 2, "channel_not_found")}
    assert kpibot("jobs", "status") == (0, STATUS_BEFORE, "")

    with freeze_time("2026-11-23 09:05:00+08:00", tick=True):  # the retry, every 5 minutes, that morning:
        world.rounds().retry()  # the pending DM goes out, the failed one never
    assert [s for _, s in arrivals_of(world, "morning:2026-11-23:A002")] == [500, 500, 500, 200]
    assert [s for _, s in arrivals_of(world, "morning:2026-11-23:A006")] == [500, 200]
    assert world.deliveries()["morning:2026-11-23:A002"] == ("sent", 4, None)
    assert kpibot("jobs", "status") == (0, STATUS_AFTER, "")
    assert posts_per_key(world.standin) == Counter(ROUND + ["morning:2026-11-23:A001"] + [
        "morning:2026-11-23:A002"] * 3 + ["morning:2026-11-23:A006"])


@pytest.mark.parametrize("at", ["2026-11-23 09:20:00+08:00", "2026-11-30 09:20:00+08:00"], ids=["that day", "a week on"])
def test_the_round_run_again_sends_only_what_was_left_pending(world, kpibot, server_errors, at):  # noqa: F811
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-23", at=at) == (
        0, "Morning round 2026-11-23 has run already; of 1 message left pending: 1 sent now, "
           "0 still pending, 0 failed.\n", "")
    assert [s for _, s in arrivals_of(world, "morning:2026-11-23:A002")] == [500, 500, 500, 200]
    assert world.deliveries()["morning:2026-11-23:A002"] == ("sent", 4, None)
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-23", at=at) == (
        0, "Morning round 2026-11-23 has run already: nothing was sent again.\n", "")


def test_the_retry_does_not_send_a_morning_message_still_pending_the_next_day(world, kpibot, server_errors):  # noqa: F811
    """Monday's nudge is news on Monday only: on Tuesday the scheduler's retry would set it
    beside Tuesday's. (Run again by hand, the round sends it, as its first run did.)"""
    with freeze_time("2026-11-24 09:05:00+08:00", tick=True):
        world.rounds().retry()
    assert [s for _, s in arrivals_of(world, "morning:2026-11-23:A002")] == [500, 500, 500]
    assert world.deliveries()["morning:2026-11-23:A002"] == ("failed", 3, "expired")


def test_jobs_status_in_chinese(world, kpibot, server_errors):  # noqa: F811
    """The run's summary is words a person reads: in Chinese too, as the round's own report says it."""
    assert kpibot("jobs", "status", locale="zh-CN") == (0, """\
消息：已发送 6，待发送 1，失败 1，状态不明 0。
待发送（每 5 分钟重试一次）：
  morning:2026-11-23:A002 → A002（Slack） · 尝试 3 次 · 500 fatal_error
失败（不会再发送：所在平台拒绝了，或多次发送失败；原因见下）：
  morning:2026-11-23:A006 → A006（Slack） · 尝试 2 次 · channel_not_found
最近运行：
  早间推送 2026-11-23 · 已完成 · 2026-11-23 01:00:00 UTC · 已发送 6，待发送 1，失败 1
最近拉取：
  暂无
""", "")


def test_jobs_status_counts_a_single_try_in_the_singular(world, kpibot):  # noqa: F811
    world.finds_chen_jing()
    world.standin.fail("morning:2026-11-23:A006", NO_CHANNEL)
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-23") == \
        (0, "Morning round 2026-11-23: 8 messages: 7 sent, 0 pending, 1 failed, 0 sent before.\n", "")
    run_started_at(world, datetime(2026, 11, 23, 1, 0, 0, tzinfo=UTC))
    assert kpibot("jobs", "status") == (0, """\
Deliveries: 7 sent, 0 pending, 1 failed, 0 in doubt.
Failed (not sent again: their platform refused them, or they kept failing; the reason is shown):
  morning:2026-11-23:A006 → A006 on Slack · 1 try · channel_not_found
Last runs:
  Morning round 2026-11-23 · done · 2026-11-23 01:00:00 UTC · 7 sent, 0 pending, 1 failed
Last pulls:
  none yet
""", "")


@DIES
def test_jobs_status_shows_deliveries_in_doubt_and_the_retry_settles_them(world, kpibot):  # noqa: F811
    """Li Na's DM: Slack answers 500, and the process dies during the second try. The claim is
    in doubt until the retry asks Slack, which does not have it: sent again, once."""
    world.finds_chen_jing()
    world.standin.fail("morning:2026-11-23:A002", FATAL)
    report = morning(center=world.center, engine=world.engine, day=MONDAY,
                     platforms=world.dying_platforms("morning:2026-11-23:A002", on_try=2))
    assert (sorted(report.outcome.sent), report.outcome.pending) == (sorted(set(ROUND) - {"morning:2026-11-23:A002"}), [])
    run_started_at(world, datetime(2026, 11, 23, 1, 0, 0, tzinfo=UTC))
    assert kpibot("jobs", "status") == (0, """\
Deliveries: 7 sent, 0 pending, 0 failed, 1 in doubt.
In doubt (claimed, never finished; checked with their platform on the next retry):
  morning:2026-11-23:A002 → A002 on Slack · 2 tries · 500 fatal_error
Last runs:
  Morning round 2026-11-23 · done · 2026-11-23 01:00:00 UTC · 7 sent, 0 pending, 0 failed
Last pulls:
  none yet
""", "")
    world.after_the_lease()
    world.rounds().retry()
    assert [c.body["channel"] for c in world.standin.of("conversations.history")] == ["DU002"]
    assert [s for _, s in arrivals_of(world, "morning:2026-11-23:A002")] == [500, 200]
    assert world.deliveries()["morning:2026-11-23:A002"] == ("sent", 3, None)
    assert posts_per_key(world.standin) == Counter(ROUND + ["morning:2026-11-23:A002"])


def test_a_post_that_times_out_is_asked_about_and_not_sent_again(world):  # noqa: F811
    """Slack took every post but never answered: a resend would post twice. Each stays in doubt,
    and once the lease is over the retry finds it in the DM's history instead of sending it."""
    world.finds_chen_jing()
    world.standin.stick("chat.postMessage", after=0)
    client = WebClient(token=TOKEN, base_url=world.standin.api_url, timeout=1)
    impatient = SlackPlatform(client=outbox_client(client), directory=Directory(client), engine=world.engine,
                              channel=CHANNEL)
    report = morning(center=world.center, engine=world.engine, platforms=Platforms([impatient]), day=MONDAY)
    assert (sorted(report.outcome.in_doubt), report.outcome.sent, report.outcome.pending) == (sorted(ROUND), [], [])
    assert {key: status for key, (status, _, _) in world.deliveries().items()} == {key: "sending" for key in ROUND}
    world.standin.unstick("chat.postMessage")
    with Session(world.engine) as session:  # no process holds them: had this one exited, still only the lease decides
        assert set(session.exec(select(Delivery.claimed_by)).all()) == {TIMED_OUT}
    world.rounds().retry()  # within the lease Slack may still be taking them: nothing is asked yet
    assert (world.standin.of("conversations.history"), posts_per_key(world.standin)) == ([], Counter(ROUND))
    world.after_the_lease()
    world.rounds().retry()
    assert posts_per_key(world.standin) == Counter(ROUND)
    assert world.deliveries() == {key: ("sent", 1, None) for key in ROUND}
