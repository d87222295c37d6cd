"""The scheduler at work: real BackgroundSchedulers built by bot.scheduler.build_scheduler, started
under freezegun, around Rounds with a real SQLite database and the local stand-in for the Slack
Web API; Rounds.retry; and how `kpibot scheduler` and `kpibot serve [--no-scheduler]` wire it.

freezegun's patched datetime reaches APScheduler 3 (it reads the clock with
`datetime.now(self.timezone)` in its own thread), so each scheduler is started for real at a
frozen, ticking instant. What it did is known from its job events (EVENT_JOB_EXECUTED carries the
RoundReports tick returned) and from the calls the stand-in recorded, so no test sleeps. To make a
cron trigger fire, the clock is moved with freezegun's `move_to` and the scheduler is woken up.
Every scheduler is shut down (waiting for its jobs) before its test ends.
"""

from __future__ import annotations

import json

import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from freezegun import freeze_time
from slack_sdk import WebClient
from sqlmodel import Session, delete, select, update

from bot.config.calendars import work_calendar
from bot.config.center import Center, open_center
from bot.store.db import make_engine
from bot.store.models import Agent, DailyStat, Delivery, JobRun, StatsPull, utcnow
from bot.usecases.days import nudges
from bot.usecases.mystats import stats_view
from bot.outbox.deliveries import Message
from bot.rounds import scheduler as scheduler_module
from bot.rounds.run import LEASE
from bot.rounds.scheduler import Rounds, build_scheduler
from bot.rounds.status import jobs_status
from bot.config.settings import Settings, SlackSettings, StatsSource
from bot.sources import folder
from bot.doors.slack.platform import METADATA_EVENT
from bot.doors.wiring import chat_platforms
from factories import add_agent
from files import write_csv
from messages.formats import mrkdwn
from messages.render import render
from slack_standin import SlackStandIn

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
CHANNEL = "C0LEADERS"


def at(text: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _slack() -> Iterator[SlackStandIn]:
    slack = SlackStandIn()  # one server for the module: closing one takes half a second
    yield slack
    slack.close()


@pytest.fixture
def standin(_slack) -> SlackStandIn:
    """The stand-in, with no calls recorded yet (every scheduler of the last test has stopped)."""
    with _slack._lock:
        _slack.forget()
    return _slack


@pytest.fixture
def people(engine) -> None:
    """A lead and three agents, on Slack but for A003 (who is therefore not reached)."""
    with Session(engine) as session:
        add_agent(session, "L01", role="lead", slack_user_id="UL01")
        add_agent(session, "A001", slack_user_id="U001")
        add_agent(session, "A002", slack_user_id="U002")
        add_agent(session, "A003")


@pytest.fixture
def numbers(engine, people) -> None:
    """A001's numbers for every day of 2026, so that no morning round waits for its day's numbers."""
    with Session(engine) as session:
        a001 = session.exec(select(Agent).where(Agent.employee_id == "A001")).one()
        session.add_all(DailyStat(agent_id=a001.id, day=date(2026, 1, 1) + timedelta(days=n), calls=60,
                                  talk_seconds=150 * 60) for n in range(365))
        session.commit()


def chat_settings(database_url: str, standin: SlackStandIn, **more) -> Settings:
    return Settings(database_url=database_url, **more, slack=SlackSettings(bot_token="xoxb-test", api_url=standin.api_url, leaderboard_channel=CHANNEL))


@pytest.fixture
def rounds(center, engine, database_url, standin, numbers) -> Rounds:
    return Rounds(center, engine, chat_platforms(chat_settings(database_url, standin), engine))


@pytest.fixture
def new_york(policy, database_url, engine, standin, numbers) -> Rounds:
    """The same people in a center in New York, on the US calendar (daylight saving)."""
    ny = replace(policy, timezone="America/New_York", calendar="US")
    center = Center(Settings(database_url=database_url), ny, work_calendar(ny), NEW_YORK)
    return Rounds(center, engine, chat_platforms(chat_settings(database_url, standin), engine))


# --- helpers -------------------------------------------------------------------------------


class Running:
    """A scheduler from build_scheduler, started on enter and shut down (waiting) on exit; it
    records every job event. Build it inside the frozen clock: the catch-up job runs 'now'."""

    def __init__(self, rounds: Rounds, without: tuple[str, ...] = ()):
        self.rounds = rounds
        self.scheduler: BackgroundScheduler = build_scheduler(rounds)
        for job_id in without:
            self.scheduler.remove_job(job_id)
        self.events: list[JobEvent] = []
        self._changed = threading.Condition()
        self.scheduler.add_listener(self._record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    def _record(self, event: JobEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def __enter__(self) -> Running:
        self.scheduler.start()
        return self

    def __exit__(self, *exc) -> None:
        self.rounds.stop()
        self.scheduler.shutdown(wait=True)

    def finished(self, job_id: str, count: int = 1, timeout: float = 20) -> list[JobEvent]:
        """The first `count` events of job `job_id`; a job that raised fails the test."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.of(job_id)) >= count, timeout)
        found = self.of(job_id)
        assert len(found) >= count, f"{job_id} ran {len(found)} times, not {count}"
        for event in found:
            assert getattr(event, "exception", None) is None, event.traceback
        return found[:count]

    def of(self, job_id: str) -> list[JobEvent]:
        return [e for e in self.events if e.job_id == job_id]


def reports(event: JobEvent) -> list[tuple]:
    """What tick returned: (job, period, state, messages queued, keys sent)."""
    return [(r.job, r.period, r.state, r.queued, sorted(r.outcome.sent) if r.outcome else None)
            for r in event.retval]


def posted(standin: SlackStandIn) -> list[tuple[str, str]]:
    """(delivery key, channel) of every chat.postMessage, sorted: a key twice would show twice."""
    return sorted((c.body["metadata"]["event_payload"]["key"], c.body["channel"])
                  for c in standin.of("chat.postMessage"))


def runs(engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        return [(r.job, r.period, r.status) for r in session.exec(select(JobRun).order_by(JobRun.id)).all()]


def deliveries(engine) -> dict[str, tuple[str, int]]:
    """key -> (status, attempts)"""
    with Session(engine) as session:
        return {d.key: (d.status, d.attempts) for d in session.exec(select(Delivery)).all()}


MORNING_NOV_23 = [("digest:2026-11-23:L01", "DUL01"), ("morning:2026-11-23:A001", "DU001"),
                  ("morning:2026-11-23:A002", "DU002")]
CONTACT_W47 = ("contact", "2026-W47", "ran", 0, [])  # Monday's contact round: nobody here has leads
RUNS_NOV_23 = [("morning", "2026-11-23", "done"), ("contact", "2026-W47", "done")]


# --- late starts, replicas, working days ---------------------------------------------------


def test_a_late_start_sends_that_mornings_round_once(rounds, standin, engine):
    with freeze_time("2026-11-23 09:40:00+08:00", tick=True), Running(rounds) as scheduler:  # a Monday
        (catch_up,) = scheduler.finished("catch-up")

    assert reports(catch_up) == [("morning", "2026-11-23", "ran", 3, [k for k, _ in MORNING_NOV_23]), CONTACT_W47]
    assert posted(standin) == MORNING_NOV_23
    assert sorted(c.body["users"] for c in standin.of("conversations.open")) == ["U001", "U002", "UL01"]
    assert runs(engine) == RUNS_NOV_23

    # A restart a little later (still within the catch-up window) finds the round done.
    with freeze_time("2026-11-23 10:15:00+08:00", tick=True), Running(rounds) as restarted:
        (catch_up,) = restarted.finished("catch-up")
    assert reports(catch_up) == [("morning", "2026-11-23", "done_before", 0, None),
                                 ("contact", "2026-W47", "done_before", 0, None)]
    assert posted(standin) == MORNING_NOV_23


def test_two_replicas_started_at_the_same_moment_send_the_round_once(rounds, center, engine, database_url,
                                                                     standin):
    """Two processes: each its own engine, chat and scheduler, one database."""
    other = make_engine(database_url)
    replica = Rounds(center, other, chat_platforms(chat_settings(database_url, standin), other))
    with freeze_time("2026-11-23 09:40:00+08:00", tick=True), ExitStack() as stack:
        stack.callback(other.dispose)
        first, second = Running(rounds), Running(replica)
        stack.enter_context(first)
        stack.enter_context(second)
        states = sorted(r.state for s in (first, second) for r in s.finished("catch-up")[0].retval)

    assert states == ["done_before", "done_before", "ran", "ran"]  # the second stood by until the first was done
    assert posted(standin) == MORNING_NOV_23
    assert runs(engine) == RUNS_NOV_23


def test_a_replica_standing_by_takes_the_round_over_once_its_runner_stops_beating(rounds, standin, engine,
                                                                                   monkeypatch, caplog):
    """The round was claimed by a process of another machine, which then went silent: this one
    stands by, and takes the round over once that claim's heartbeat is older than the lease."""
    monkeypatch.setattr(scheduler_module, "STAND_BY_SECONDS", 0.05)
    caplog.set_level(logging.INFO, logger="kpibot.scheduler")
    with Session(engine) as session:
        session.add(JobRun(job="morning", period="2026-11-23", runner="another-host:4242"))
        session.commit()
    with freeze_time("2026-11-23 09:00:30+08:00", tick=True), Running(rounds, without=("retry",)) as scheduler:
        deadline = time.monotonic() + 20
        while "morning 2026-11-23: running in another process; standing by" not in caplog.messages:
            assert time.monotonic() < deadline, "never stood by"
            time.sleep(0.01)
        assert standin.calls == []  # the other's heartbeat is fresh
        with Session(engine) as session:
            session.execute(update(JobRun).values(heartbeat_at=utcnow() - LEASE - timedelta(seconds=1)))
            session.commit()
        (catch_up,) = scheduler.finished("catch-up")

    assert reports(catch_up) == [("morning", "2026-11-23", "ran", 3, [k for k, _ in MORNING_NOV_23]), CONTACT_W47]
    assert posted(standin) == MORNING_NOV_23
    assert runs(engine) == RUNS_NOV_23


def test_started_past_the_catch_up_window_it_sends_nothing(rounds, standin, engine):
    with freeze_time("2026-11-23 12:30:00+08:00", tick=True), Running(rounds) as scheduler:
        (catch_up,) = scheduler.finished("catch-up")
        next_morning = scheduler.scheduler.get_job("morning").next_run_time

    assert catch_up.retval == []
    assert next_morning == at("2026-11-24 09:00:00")
    assert standin.calls == []
    assert runs(engine) == []


@pytest.mark.parametrize("day", [
    "2026-11-22",  # a Sunday
    "2026-10-05",  # a Monday in the National Day holiday
])
def test_started_on_a_day_off_it_sends_nothing(rounds, standin, engine, day):
    with freeze_time(f"{day} 09:40:00+08:00", tick=True), Running(rounds) as scheduler:
        (catch_up,) = scheduler.finished("catch-up")

    assert catch_up.retval == []
    assert standin.calls == []
    assert runs(engine) == []


def test_on_a_make_up_saturday_the_round_goes_out(rounds, standin, engine):
    with freeze_time("2026-10-10 09:40:00+08:00", tick=True), Running(rounds) as scheduler:
        (catch_up,) = scheduler.finished("catch-up")

    keys = ["digest:2026-10-10:L01", "morning:2026-10-10:A001", "morning:2026-10-10:A002"]
    assert reports(catch_up) == [("morning", "2026-10-10", "ran", 3, keys)]
    assert posted(standin) == list(zip(keys, ["DUL01", "DU001", "DU002"]))


MONTH_END_KEYS = ["digest:2026-12-01:L01", "month-end:2026-11:#C0LEADERS", "month-end:2026-11:#C0LEADERS:chart",
                  "month-end:2026-11:A001", "month-end:2026-11:A002", "morning:2026-12-01:A001",
                  "morning:2026-12-01:A002", "review:2026-11:L01"]


def test_on_the_first_working_day_of_a_month_the_morning_and_month_end_rounds_go_out_once(rounds, standin,
                                                                                         engine):
    with freeze_time("2026-12-01 09:45:00+08:00", tick=True), Running(rounds) as scheduler:  # a Tuesday
        (catch_up,) = scheduler.finished("catch-up")
    with freeze_time("2026-12-01 09:45:00+08:00", tick=True), Running(rounds) as replica:
        (again,) = replica.finished("catch-up")

    assert reports(catch_up) == [
        ("morning", "2026-12-01", "ran", 3,
         ["digest:2026-12-01:L01", "morning:2026-12-01:A001", "morning:2026-12-01:A002"]),
        ("month-end", "2026-11", "ran", 5,
         ["month-end:2026-11:#C0LEADERS", "month-end:2026-11:#C0LEADERS:chart", "month-end:2026-11:A001",
          "month-end:2026-11:A002", "review:2026-11:L01"]),
    ]
    assert reports(again) == [("morning", "2026-12-01", "done_before", 0, None),
                              ("month-end", "2026-11", "done_before", 0, None)]
    assert posted(standin) == [
        ("digest:2026-12-01:L01", "DUL01"), ("month-end:2026-11:#C0LEADERS", CHANNEL),
        ("month-end:2026-11:A001", "DU001"), ("month-end:2026-11:A002", "DU002"),
        ("morning:2026-12-01:A001", "DU001"), ("morning:2026-12-01:A002", "DU002"),
        ("review:2026-11:L01", "DUL01")]
    assert [c.body["channel_id"] for c in standin.of("files.completeUploadExternal")] == [CHANNEL]
    assert [c.body["filename"] for c in standin.of("files.getUploadURLExternal")] == ["2026-11.png"]
    assert runs(engine) == [("morning", "2026-12-01", "done"), ("month-end", "2026-11", "done")]
    assert sorted(deliveries(engine)) == MONTH_END_KEYS
    assert set(deliveries(engine).values()) == {("sent", 1)}


# --- cron triggers firing, daylight saving, coalescing ---------------------------------------


def test_the_morning_trigger_fires_at_nine_in_shanghai(rounds, standin):
    with freeze_time("2026-11-22 20:00:00+08:00", tick=True) as clock, Running(rounds) as scheduler:
        assert scheduler.finished("catch-up")[0].retval == []  # Sunday evening
        clock.move_to("2026-11-23 09:00:00.2+08:00")  # 01:00 UTC
        scheduler.scheduler.wakeup()
        (fired,) = scheduler.finished("morning")

    assert fired.scheduled_run_time == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert reports(fired) == [("morning", "2026-11-23", "ran", 3, [k for k, _ in MORNING_NOV_23]), CONTACT_W47]
    assert posted(standin) == MORNING_NOV_23


@pytest.mark.parametrize("start, fired_utc, day, week", [
    # Daylight saving begins Sunday 8 March 2026: Monday's 09:00 is 13:00 UTC, Friday's was 14:00.
    ("2026-03-06 12:30:00-05:00", datetime(2026, 3, 9, 13, 0, tzinfo=UTC), "2026-03-09", "2026-W10"),
    # It ends Sunday 1 November 2026: Monday's 09:00 is 14:00 UTC, Friday's was 13:00.
    ("2026-10-30 12:30:00-04:00", datetime(2026, 11, 2, 14, 0, tzinfo=UTC), "2026-11-02", "2026-W44"),
], ids=["spring-forward", "fall-back"])
def test_across_daylight_saving_the_weekends_missed_mornings_coalesce_into_mondays_at_nine_local(
        new_york, standin, start, fired_utc, day, week):
    """The scheduler was asleep (a suspended machine) from Friday 12:30 until just after nine on
    Monday: Saturday's, Sunday's and Monday's 09:00 are due at once, coalesced into one run.

    The retry job is left out here: freezegun's datetime drops `fold`, so under the fake clock the
    5-minute IntervalTrigger, stepping through the repeated hour of 1 November (01:00-02:00), maps
    01:05 EST back to 01:05 EDT and never gets past it. Real datetimes keep `fold`."""
    with freeze_time(start, tick=True) as clock, Running(new_york, without=("retry",)) as scheduler:
        assert scheduler.finished("catch-up")[0].retval == []  # past Friday's catch-up window
        clock.move_to(fired_utc + timedelta(seconds=1))
        scheduler.scheduler.wakeup()
        (fired,) = scheduler.finished("morning")
        next_fire = scheduler.scheduler.get_job("morning").next_run_time

    assert len(scheduler.of("morning")) == 1
    assert fired.scheduled_run_time == fired_utc
    assert fired.scheduled_run_time.astimezone(NEW_YORK).time().isoformat() == "09:00:00"
    assert reports(fired) == [("morning", day, "ran", 3,
                               [f"digest:{day}:L01", f"morning:{day}:A001", f"morning:{day}:A002"]),
                              ("contact", week, "ran", 0, [])]
    assert next_fire == (fired_utc + timedelta(days=1)).astimezone(NEW_YORK)
    assert posted(standin) == [(f"digest:{day}:L01", "DUL01"), (f"morning:{day}:A001", "DU001"),
                               (f"morning:{day}:A002", "DU002")]


def test_a_scheduler_asleep_past_the_catch_up_window_skips_the_morning(rounds, standin, engine):
    with freeze_time("2026-11-23 08:00:00+08:00", tick=True) as clock, Running(rounds) as scheduler:
        assert scheduler.finished("catch-up")[0].retval == []
        clock.move_to("2026-11-23 12:30:00+08:00")
        scheduler.scheduler.wakeup()
        (missed,) = scheduler.finished("morning")

    assert missed.code == EVENT_JOB_MISSED
    assert missed.scheduled_run_time == at("2026-11-23 09:00:00")
    assert standin.of("chat.postMessage") == []
    assert runs(engine) == []


def test_the_retry_job_runs_every_five_minutes_and_sends_what_is_pending(rounds, standin, engine):
    with Session(engine) as session:
        session.add(Delivery(key="morning:2026-11-20:A001", recipient="A001", platform="slack", payload=Message("Hello").to_json()))
        session.commit()
    with freeze_time("2026-11-22 15:00:00+08:00", tick=True) as clock, Running(rounds) as scheduler:
        (catch_up,) = scheduler.finished("catch-up")
        assert scheduler.scheduler.get_job("retry").next_run_time.replace(microsecond=0) == at("2026-11-22 15:05:00")
        assert standin.of("chat.postMessage") == []  # not before the retry
        clock.move_to("2026-11-22 15:05:01+08:00")
        scheduler.scheduler.wakeup()
        scheduler.finished("retry")

    assert catch_up.retval == []
    assert posted(standin) == [("morning:2026-11-20:A001", "DU001")]
    assert deliveries(engine) == {"morning:2026-11-20:A001": ("sent", 1)}


# --- Rounds.retry ----------------------------------------------------------------------------


def add_delivery(engine, key: str, recipient: str, *, status: str = "pending", claimed_ago: timedelta | None = None,
                 attempts: int = 0) -> None:
    with Session(engine) as session:
        session.add(Delivery(key=key, recipient=recipient, platform="slack", payload=Message(f"Message {key}").to_json(),
                             status=status, attempts=attempts,
                             claimed_at=utcnow() - claimed_ago if claimed_ago is not None else None))
        session.commit()


def remember_dm_channels(engine) -> None:
    """As after an earlier round: the DM channels were opened and remembered."""
    with Session(engine) as session:
        for agent in session.exec(select(Agent).where(Agent.slack_user_id.is_not(None))).all():
            agent.slack_dm_channel = "D" + agent.slack_user_id
            session.add(agent)
        session.commit()


def add_run(engine, job: str, period: str, beat_ago: timedelta) -> None:
    with Session(engine) as session:
        session.add(JobRun(job=job, period=period, status="running", started_at=utcnow() - beat_ago,
                           heartbeat_at=utcnow() - beat_ago))
        session.commit()


def test_retry_resumes_a_round_whose_runner_died_and_sends_only_what_is_missing(rounds, standin, engine):
    add_run(engine, "morning", "2026-11-23", beat_ago=timedelta(minutes=10))
    add_delivery(engine, "morning:2026-11-23:A001", "A001", status="sent", attempts=1)  # sent before the crash
    remember_dm_channels(engine)

    rounds.retry()

    assert posted(standin) == [("digest:2026-11-23:L01", "DUL01"), ("morning:2026-11-23:A002", "DU002")]
    assert runs(engine) == [("morning", "2026-11-23", "done")]
    with Session(engine) as session:
        assert json.loads(session.exec(select(JobRun.summary)).one()) == {"sent": 2, "pending": 0, "failed": 0}
    assert deliveries(engine) == {"morning:2026-11-23:A001": ("sent", 1), "morning:2026-11-23:A002": ("sent", 1),
                                  "digest:2026-11-23:L01": ("sent", 1)}


def test_retry_leaves_a_round_whose_runner_is_alive(rounds, standin, engine):
    add_run(engine, "morning", "2026-11-23", beat_ago=timedelta(minutes=1))

    rounds.retry()

    assert standin.calls == []
    assert runs(engine) == [("morning", "2026-11-23", "running")]


def test_retry_marks_sent_a_delivery_in_doubt_that_slack_has(rounds, standin, engine):
    remember_dm_channels(engine)
    add_delivery(engine, "morning:2026-11-20:A001", "A001", status="sending", claimed_ago=timedelta(minutes=10),
                 attempts=1)
    # The process that claimed it had posted it, then died before writing down that it had.
    WebClient(token="xoxb-test", base_url=standin.api_url).chat_postMessage(
        channel="DU001", text="Message morning:2026-11-20:A001",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"key": "morning:2026-11-20:A001"}})

    rounds.retry()

    assert [c.body["channel"] for c in standin.of("conversations.history")] == ["DU001"]
    assert posted(standin) == [("morning:2026-11-20:A001", "DU001")]  # only the one before the crash
    assert deliveries(engine) == {"morning:2026-11-20:A001": ("sent", 1)}


def test_retry_sends_again_a_delivery_in_doubt_that_slack_does_not_have(rounds, standin, engine):
    remember_dm_channels(engine)
    add_delivery(engine, "morning:2026-11-20:A001", "A001", status="sending", claimed_ago=timedelta(minutes=10),
                 attempts=1)
    add_delivery(engine, "morning:2026-11-20:A002", "A002", status="sending", claimed_ago=timedelta(minutes=1),
                 attempts=1)  # claimed a minute ago: its sender may still be at it

    rounds.retry()

    assert [c.body["channel"] for c in standin.of("conversations.history")] == ["DU001"]
    assert posted(standin) == [("morning:2026-11-20:A001", "DU001")]
    assert deliveries(engine) == {"morning:2026-11-20:A001": ("sent", 2), "morning:2026-11-20:A002": ("sending", 1)}


def test_retry_sends_the_pending_deliveries(rounds, standin, engine):
    add_delivery(engine, "morning:2026-11-20:A001", "A001", attempts=2)
    add_delivery(engine, "month-end:2026-10:#C0LEADERS", "#C0LEADERS")
    add_delivery(engine, "morning:2026-11-20:A003", "A003")  # no Slack account: can never be sent

    rounds.retry()

    assert posted(standin) == [("month-end:2026-10:#C0LEADERS", CHANNEL), ("morning:2026-11-20:A001", "DU001")]
    assert deliveries(engine) == {"morning:2026-11-20:A001": ("sent", 3), "month-end:2026-10:#C0LEADERS": ("sent", 1),
                                  "morning:2026-11-20:A003": ("failed", 1)}


@pytest.fixture
def local_zone_new_york(monkeypatch):
    """The process's local time zone is New York (a server whose TZ is not UTC)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_retry_asks_slack_from_when_the_delivery_was_claimed_whatever_the_servers_zone(
        rounds, standin, engine, local_zone_new_york):
    """conversations.history's `oldest` must be the claim's instant (less 5 s). Were the claim time
    read back from SQLite without its zone and taken as local time, on a server west of UTC `oldest`
    would land hours after the message, Slack would return nothing, and the message would go twice."""
    remember_dm_channels(engine)
    claimed = utcnow() - timedelta(minutes=10)
    with Session(engine) as session:
        session.add(Delivery(key="k1", recipient="A001", platform="slack", payload=Message("Hello").to_json(), status="sending",
                             attempts=1, claimed_at=claimed))
        session.commit()

    rounds.retry()

    (history,) = standin.of("conversations.history")
    assert float(history.body["oldest"]) == claimed.timestamp() - 5


# --- a late start with a stats source -------------------------------------------------------


def test_a_late_start_pulls_the_stats_before_the_catch_up_round(center, engine, database_url, standin, people,
                                                                tmp_path):
    """The pull's time (08:30) has passed too when the bot starts at 09:40: the morning round must
    not go out without the last working day's numbers."""
    exports = tmp_path / "exports"
    exports.mkdir()
    write_csv(exports / "2026-11-20.csv", [["日期", "工号", "通话次数", "通话时长"], ["2026-11-20", "A001", "62", "151.5"],
                                           ["2026-11-20", "A002", "40", "95"]])
    settings = chat_settings(database_url, standin, stats=StatsSource(str(exports)))
    sourced = open_center(settings)
    with freeze_time("2026-11-23 09:40:00+08:00", tick=True), Running(Rounds(sourced, engine, chat_platforms(settings, engine))) as scheduler:
        scheduler.finished("catch-up")

    with Session(engine) as session:
        assert len(session.exec(select(StatsPull)).all()) == 1
        assert len(session.exec(select(DailyStat)).all()) == 2
        expected = mrkdwn(render("morning_nudge", "en", n=nudges(session=session, center=sourced,
                                                                 today=date(2026, 11, 23))["A001"]))
    (nudge,) = [c for c in standin.of("chat.postMessage") if c.body["channel"] == "DU001"]
    assert nudge.body["text"] == expected



def test_a_round_held_for_its_numbers_goes_out_at_the_retry_after_they_arrive(center, engine, database_url,
                                                                              standin, people, tmp_path):
    """09:40, Monday: no numbers for Friday yet, so the morning round is held, not sent. The export
    lands in the folder at 10:02; the retry at 10:05 pulls it and sends the round, once."""
    exports = tmp_path / "exports"
    exports.mkdir()
    settings = chat_settings(database_url, standin, stats=StatsSource(str(exports)))
    rounds = Rounds(open_center(settings), engine, chat_platforms(settings, engine))
    with freeze_time("2026-11-23 09:40:00+08:00", tick=True), Running(rounds, without=("retry",)) as scheduler:
        (caught_up,) = scheduler.finished("catch-up")
    assert [(r.job, r.state, r.waiting_for) for r in caught_up.retval] == [("morning", "held", date(2026, 11, 20)),
                                                                          ("contact", "held", date(2026, 11, 20))]
    assert (runs(engine), posted(standin)) == ([("morning", "2026-11-23", "held"), ("contact", "2026-W47", "held")],
                                               [])

    write_csv(exports / "2026-11-20.csv", [["日期", "工号", "通话次数", "通话时长"], ["2026-11-20", "A001", "62", "151.5"]])
    with freeze_time("2026-11-23 10:05:00+08:00"):
        rounds.retry()
        rounds.retry()
    assert runs(engine) == RUNS_NOV_23
    assert posted(standin) == [("digest:2026-11-23:L01", "DUL01"), ("morning:2026-11-23:A001", "DU001"),
                               ("morning:2026-11-23:A002", "DU002")]


def test_a_round_held_past_its_catch_up_window_stays_held(rounds, standin, engine):
    """Held until noon for numbers that never came: the retry leaves it (no good morning at noon),
    and jobs status shows it held."""
    with Session(engine) as session:
        session.exec(delete(DailyStat))
        session.commit()
    with freeze_time("2026-11-23 09:40:00+08:00"):
        assert rounds.catch_up()[0].state == "held"
    with freeze_time("2026-11-23 12:05:00+08:00"):
        rounds.retry()
    assert (runs(engine), posted(standin)) == ([("morning", "2026-11-23", "held"), ("contact", "2026-W47", "held")],
                                               [])

# --- how the commands wire the scheduler ------------------------------------------------------


def test_the_commands_scheduler_has_morning_month_end_retry_and_catch_up(database_url, engine, standin):
    center = open_center(chat_settings(database_url, standin))
    rounds = Rounds(center, engine, chat_platforms(center.settings, engine))
    scheduler = build_scheduler(rounds, blocking=True)

    assert isinstance(scheduler, BlockingScheduler)
    assert not rounds.pulls
    assert [(j.id, j.func) for j in scheduler.get_jobs()] == [
        ("morning", rounds.tick), ("month-end", rounds.tick), ("retry", rounds.retry), ("catch-up", rounds.catch_up)]
    assert scheduler.get_job("retry").trigger.interval == timedelta(minutes=5)
    assert build_scheduler(rounds).__class__ is BackgroundScheduler  # kpibot serve's


def test_with_a_stats_source_the_scheduler_also_pulls_every_half_hour_of_the_day(database_url, engine, standin,
                                                                                 tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    write_csv(exports / "2026-11-20.csv", [["date", "employee_id", "calls", "talk_minutes"]])
    center = open_center(chat_settings(database_url, standin, stats=StatsSource(str(exports))))
    rounds = Rounds(center, engine, chat_platforms(center.settings, engine))
    scheduler = build_scheduler(rounds, blocking=True)

    assert [j.id for j in scheduler.get_jobs()] == ["morning", "month-end", "pull", "retry", "catch-up"]
    pull = scheduler.get_job("pull")
    assert pull.func == rounds.scheduled_pull
    assert fire_times(pull.trigger, "2026-11-23 08:00:00", 4) == [
        "2026-11-23 08:30", "2026-11-23 09:00", "2026-11-23 09:30", "2026-11-23 10:00"]
    assert fire_times(pull.trigger, "2026-11-23 20:40:00", 2) == ["2026-11-23 21:00", "2026-11-24 08:30"]
    # Cron does not know the calendar: it fires on a Sunday too, and the pull finds nothing due.
    assert fire_times(pull.trigger, "2026-11-22 08:00:00", 1) == ["2026-11-22 08:30"]
    assert (pull.coalesce, pull.max_instances, pull.misfire_grace_time) == (True, 1, 3 * 3600)
    with freeze_time("2026-11-23 08:30:00+08:00"):
        (pulled,) = pull.func()
    assert (pulled.row.name, pulled.row.rows, pulled.row.error) == ("2026-11-20.csv", 0, None)


def fire_times(trigger, after: str, count: int) -> list[str]:
    """The next `count` times `trigger` fires after `after` (Shanghai), in Shanghai."""
    found, moment = [], at(after)
    for _ in range(count):
        moment = trigger.get_next_fire_time(moment if found else None, moment)
        found.append(moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"))
        moment += timedelta(microseconds=1)
    return found


# --- the stats pull, once a slot ----------------------------------------------------------------

A001_TODAY = [["日期", "工号", "通话次数", "通话时长"], ["2026-11-23", "A001", "31", "70"]]


@pytest.fixture
def exports(tmp_path, monkeypatch) -> Path:
    """The drop folder; a file in it is taken at once (the folder's own tests wait for it to settle)."""
    monkeypatch.setattr(folder, "SETTLE_SECONDS", 0.0)
    drop = tmp_path / "exports"
    drop.mkdir()
    return drop


@pytest.fixture
def sourced(database_url, engine, standin, people, exports) -> Rounds:
    """Rounds with a folder of exports as the stats source."""
    settings = chat_settings(database_url, standin, stats=StatsSource(str(exports)))
    return Rounds(open_center(settings), engine, chat_platforms(settings, engine))


def pulled_at(text: str, *pullers: Rounds) -> list[list[tuple[str, bool]]]:
    """What each of `pullers` pulled at `text` (Shanghai): (file, new) for each file."""
    with freeze_time(datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)):
        return [[(p.row.name, p.new) for p in puller.scheduled_pull()] for puller in pullers]


def test_each_slot_is_pulled_once_whatever_the_replicas(sourced, engine, database_url, exports):
    write_csv(exports / "2026-11-23.csv", A001_TODAY)
    other = make_engine(database_url)
    replica = Rounds(sourced.center, other, sourced.platforms)
    try:
        assert pulled_at("2026-11-23 15:00:00", sourced, replica) == [[("2026-11-23.csv", True)], []]
        assert pulled_at("2026-11-23 15:20:00", replica) == [[]]  # still the 15:00 slot: pulled already
        write_csv(exports / "2026-11-23.csv", A001_TODAY)  # the same export again
        assert pulled_at("2026-11-23 15:30:00", replica) == [[("2026-11-23.csv", False)]]  # read: unchanged
    finally:
        other.dispose()

    assert runs(engine) == [("pull", "2026-11-23T15:00", "done"), ("pull", "2026-11-23T15:30", "done")]
    with Session(engine) as session:
        summaries = session.exec(select(JobRun.summary).order_by(JobRun.id)).all()
    assert [json.loads(s) for s in summaries] == [{"files": 1, "new": 1, "failed": 0},
                                                  {"files": 1, "new": 0, "failed": 0}]


@pytest.mark.parametrize("moment", [
    "2026-11-23 08:29:00",  # Monday, before the first pull
    "2026-11-22 15:00:00",  # a Sunday
    "2026-10-05 15:00:00",  # a Monday in the National Day holiday
])
def test_out_of_the_window_or_on_a_day_off_the_trigger_pulls_nothing(sourced, engine, exports, moment):
    write_csv(exports / "2026-11-23.csv", A001_TODAY)

    assert pulled_at(moment, sourced) == [[]]
    assert runs(engine) == []
    with Session(engine) as session:
        assert session.exec(select(StatsPull)).all() == []


def test_on_a_make_up_saturday_the_pull_runs(sourced, engine, exports):
    write_csv(exports / "2026-10-10.csv", [A001_TODAY[0], ["2026-10-10", "A001", "12", "30"]])

    assert pulled_at("2026-10-10 10:10:00", sourced) == [[("2026-10-10.csv", True)]]
    assert runs(engine) == [("pull", "2026-10-10T10:00", "done")]


def test_a_pull_that_fails_still_closes_its_slot(sourced, engine, exports):
    exports.rmdir()  # the share went away
    with pytest.raises(FileNotFoundError), freeze_time("2026-11-23 15:00:00+08:00"):
        sourced.scheduled_pull()

    assert runs(engine) == [("pull", "2026-11-23T15:00", "done")]  # the 15:30 slot tries again


def test_the_half_hour_trigger_pulls_what_came_since_the_bot_started(sourced, engine, exports):
    """Started at 14:50, the bot pulls at once (the catch-up); the export is rewritten at 14:55 with
    the calls made since; the 15:00 trigger pulls it in."""
    write_csv(exports / "2026-11-23.csv", A001_TODAY)
    with freeze_time("2026-11-23 14:50:00+08:00", tick=True) as clock, \
            Running(sourced, without=("retry",)) as scheduler:
        scheduler.finished("catch-up")
        assert calls_on(engine, date(2026, 11, 23)) == {"A001": 31}
        write_csv(exports / "2026-11-23.csv", [A001_TODAY[0], ["2026-11-23", "A001", "35", "80"]])
        clock.move_to("2026-11-23 15:00:01+08:00")
        scheduler.scheduler.wakeup()
        (pulled,) = scheduler.finished("pull")

    assert [(p.row.name, p.row.updated) for p in pulled.retval] == [("2026-11-23.csv", 1)]
    assert calls_on(engine, date(2026, 11, 23)) == {"A001": 35}
    assert runs(engine) == [("pull", "2026-11-23T15:00", "done")]
    with Session(engine) as session:  # /mystats a little later
        a001 = session.exec(select(Agent).where(Agent.employee_id == "A001")).one()
        shown = render("stats", "en", v=stats_view(session=session, center=sourced.center, agent=a001,
                                                   day=date(2026, 11, 23), today=date(2026, 11, 23)),
                       policy=sourced.center.policy).splitlines()
    assert shown[1:4] == ["Numbers as of 15:00 today.", "", "Mon 23 Nov: 35 of 60 calls, 80 of 150 talk minutes"]


def calls_on(engine, day: date) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.exec(select(Agent.employee_id, DailyStat.calls).join(DailyStat, DailyStat.agent_id == Agent.id)
                            .where(DailyStat.day == day)).all()
    return dict(rows)


def test_the_retry_leaves_a_pull_whose_process_died_to_the_next_slot(rounds, standin, engine):
    add_run(engine, "pull", "2026-11-23T15:00", beat_ago=timedelta(minutes=10))

    rounds.retry()

    assert standin.calls == []
    assert runs(engine) == [("pull", "2026-11-23T15:00", "running")]


def test_jobs_status_lists_the_rounds_not_each_pull_slot(sourced, engine, exports):
    write_csv(exports / "2026-11-23.csv", A001_TODAY)
    add_run(engine, "morning", "2026-11-23", beat_ago=timedelta(hours=6))
    for moment in ("2026-11-23 15:00:00", "2026-11-23 15:30:00"):
        pulled_at(moment, sourced)

    with Session(engine) as session:
        shown = jobs_status(session=session)
    assert [(line.run.job, line.run.period) for line in shown.runs] == [("morning", "2026-11-23")]
    assert [p.name for p in shown.pulls] == ["2026-11-23.csv"]


class Process:
    """`python -m bot ARGS` with its stderr (the log) read line by line."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, cwd=cwd, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     preexec_fn=_ctrl_c_as_at_a_terminal)
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self._new.put(line.rstrip("\n"))
        self._new.put(None)

    def wait_for(self, text: str, timeout: float = 60) -> str:  # starting up takes long on a busy machine
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in:\n" + "\n".join(self.lines))

    def interrupt(self, signum: int = signal.SIGINT) -> int:
        self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout=20)
        finally:
            self.proc.kill()
            self.proc.wait()

    def logged(self, logger: str) -> list[str]:
        """The messages of one logger, as read so far."""
        return [line.split(f" {logger}: ", 1)[1] for line in self.lines if f" {logger}: " in line]


def _ctrl_c_as_at_a_terminal() -> None:
    """A test run in the background may ignore SIGINT, and a child inherits that: undo it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def environment(database_url, standin, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPIBOT_", "SLACK_", "WECOM_"))}
    return env | {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret",
                  "SLACK_API_URL": standin.api_url, "PYTHONUNBUFFERED": "1"}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_kpibot_scheduler_starts_its_jobs_and_stops_on_ctrl_c_or_sigterm(environment, tmp_path, signum):
    exports = tmp_path / "exports"
    exports.mkdir()
    process = Process(["scheduler"], environment | {"KPIBOT_STATS_SOURCE": str(exports)}, tmp_path)
    process.wait_for("Removed job catch-up")  # the catch-up has run (and, on a Sunday evening, sent nothing)

    assert process.interrupt(signum) == 0
    added = [m for m in process.logged("apscheduler.scheduler") if m.startswith("Added job")]
    assert added == ['Added job "Rounds.tick" to job store "default"', 'Added job "Rounds.tick" to job store "default"',
                     'Added job "Rounds.scheduled_pull" to job store "default"',
                     'Added job "Rounds.retry" to job store "default"', 'Added job "Rounds.catch_up" to job store "default"']


def test_kpibot_serve_runs_the_scheduler_unless_told_not_to(environment, tmp_path):
    ports = free_port(), free_port()
    alone = Process(["serve", "--no-scheduler"], environment | {"PORT": str(ports[0])}, tmp_path)
    both = Process(["serve"], environment | {"PORT": str(ports[1])}, tmp_path)
    listening = alone.wait_for("kpibot is listening"), both.wait_for("kpibot is listening")
    for port in ports:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200

    assert [line.split(": ", 1)[1] for line in listening] == [f"kpibot is listening on port {ports[0]} (HTTP)",
                                                               f"kpibot is listening on port {ports[1]} (HTTP)"]
    assert alone.logged("apscheduler.scheduler") == []
    assert "Scheduler started" in both.logged("apscheduler.scheduler")
    assert (alone.interrupt(), both.interrupt(signal.SIGTERM)) == (0, 0)  # Ctrl-C, or a platform's stop
