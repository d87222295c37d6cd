"""Each scheduled message goes out once: a round run twice, two processes running it at the same
moment (real subprocesses on one PostgreSQL database), and a process killed half-way whose round
is resumed after its lease; messages in flight at the kill are settled by asking Slack.

The center is tests/rounds_world.py; its Monday round (23 November) is 8 messages: 6 nudges and
2 digests (see tests/test_rounds_morning.py for their words).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.outbox.fanout import fan_out
from bot.outbox.platforms import write
from bot.rounds.morning import morning_notes
from bot.store.models import Agent, JobRun
from factories import add_agent
from slack_requests import SECRET, SlackRequests
from rounds_world import TOKEN, World, kpibot, make_world, posts_per_key, transcript, world  # noqa: F401
from test_rounds_morning import MONDAY, ROUND, monday_transcript

FROZEN_KPIBOT = Path(__file__).parents[1] / "support" / "frozen_kpibot.py"
RAN = "Morning round 2026-11-23: 8 messages: 8 sent, 0 pending, 0 failed, 0 sent before.\n"


def test_the_same_round_run_twice_sends_nothing_the_second_time(world, kpibot):  # noqa: F811
    world.finds_chen_jing()
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-23") == (0, RAN, "")
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-23") == \
        (0, "Morning round 2026-11-23 has run already: nothing was sent again.\n", "")
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-23", locale="zh-CN") == \
        (0, "早间推送 2026-11-23 已经运行过：没有重复发送。\n", "")
    again = world.morning(MONDAY, force=True)  # forcing a working day's round changes nothing
    assert (again.state, again.queued, again.outcome) == ("done_before", 0, None)
    assert transcript(world.standin) == monday_transcript()
    assert world.runs() == [("morning", "2026-11-23", "done", "8 sent, 0 pending, 0 failed")]


# --- real processes -------------------------------------------------------------------------------


def kpibot_process(world: World, cwd: Path, *args: str) -> subprocess.Popen:  # noqa: F811
    """`python -m bot ARGS` in a process of its own, against the world's database and stand-in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPIBOT_", "SLACK_", "DATABASE_"))}
    env.update(DATABASE_URL=world.settings.database_url, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=world.standin.api_url)
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def sent(world: World) -> int:  # noqa: F811
    return sum(1 for status, _, _ in world.deliveries().values() if status == "sent")


@pytest.fixture
def postgres_world(own_pg, policy):
    """The world on a PostgreSQL database of its own."""
    made = make_world(own_pg.url, policy)
    yield made
    made.standin.close()
    made.engine.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_two_processes_at_the_same_moment_send_each_message_once(postgres_world, tmp_path):
    world = postgres_world  # noqa: F811
    world.finds_chen_jing()
    release = world.standin.hold("chat.postMessage")  # the winner is still sending when the other asks
    both = [kpibot_process(world, tmp_path, "jobs", "run", "morning", "--date", "2026-11-23") for _ in range(2)]
    world.standin.wait_for("chat.postMessage", 1, timeout=60)
    wait_until(lambda: any(p.poll() is not None for p in both))
    release.set()
    outputs = sorted(p.communicate(timeout=60) + (p.returncode,) for p in both)
    assert outputs == sorted([
        (RAN, "", 0),
        ("Morning round 2026-11-23 is running in another process right now: nothing was sent from here.\n", "", 0)])
    assert posts_per_key(world.standin) == Counter(ROUND)
    assert transcript(world.standin) == monday_transcript()
    assert world.runs() == [("morning", "2026-11-23", "done", "8 sent, 0 pending, 0 failed")]


@pytest.fixture
def big_world(world):  # noqa: F811
    return grown(world)


@pytest.fixture
def big_postgres_world(postgres_world):
    return grown(postgres_world)


def grown(world: World) -> World:  # noqa: F811
    """The world with 12 more agents in team Gamma (no lead), all with DM channels known from earlier
    rounds except Chen Jing, found by email this morning: 20 messages, more than the 8 sending threads."""
    with Session(world.engine) as session:
        for n in range(1, 13):
            add_agent(session, f"A1{n:02d}", name=f"Agent {n}", team="Gamma", slack_user_id=f"U1{n:02d}")
        for agent in session.exec(select(Agent).where(Agent.slack_user_id.is_not(None))).all():
            agent.slack_dm_channel = f"D{agent.slack_user_id}"
            session.add(agent)
        session.commit()
    world.finds_chen_jing()
    return world


BIG_ROUND = [f"morning:2026-11-23:{who}" for who in ("A001", "A002", "A003", "A004", "A006", "A007")] + \
    [f"morning:2026-11-23:A1{n:02d}" for n in range(1, 13)] + ["digest:2026-11-23:L01", "digest:2026-11-23:L02"]


@pytest.mark.slow
def test_a_round_killed_half_way_resumes_with_only_the_missing_messages(big_world, tmp_path):  # noqa: F811
    """8 threads take the first 8 messages; Slack answers the first 2 posts and then nothing more:
    the 2 threads set free take messages 9 and 10. Message 10's post is lost on the way, the 7 others
    arrived but were never answered. Then the process is killed."""
    world = big_world  # noqa: F811
    first, rest = BIG_ROUND[:10], BIG_ROUND[10:]
    world.standin.stick("chat.postMessage", after=2, lose={"morning:2026-11-23:A104"})
    process = kpibot_process(world, tmp_path, "jobs", "run", "morning", "--date", "2026-11-23")
    wait_until(lambda: world.standin.stuck() == 8)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    answered = [a["key"] for a in world.standin.arrivals if a["method"] == "chat.postMessage" and a["status"] == 200]
    arrived = [k for k in first if k not in answered and k != "morning:2026-11-23:A104"]
    assert (len(answered), set(answered) < set(first), len(arrived)) == (2, True, 7)
    assert world.deliveries() == {key: ("sent", 1, None) if key in answered else ("sending", 1, None)
                                  if key in first else ("pending", 0, None) for key in BIG_ROUND}

    # Run again once the lease is over: the run is taken over; the 8 in doubt are checked with
    # Slack first (7 arrived: sent; 1 did not: sent now), then what was never claimed is sent.
    world.standin.unstick("chat.postMessage")
    world.after_the_lease()
    report = world.morning(MONDAY)
    lost = "morning:2026-11-23:A104"
    in_doubt = arrived + [lost]
    assert (report.state, report.queued, sorted(report.outcome.sent), sorted(report.outcome.skipped)) == \
        ("ran", 20, sorted(rest + [lost]), sorted(k for k in first if k != lost))
    channels = {f"morning:2026-11-23:{who}": f"DU{who[1:]}" for who in ("A001", "A002", "A003", "A004", "A006",
                                                                          "A007")} | \
        {f"morning:2026-11-23:A1{n:02d}": f"DU1{n:02d}" for n in range(1, 13)}
    assert sorted(c.body["channel"] for c in world.standin.of("conversations.history")) == \
        sorted(channels[key] for key in in_doubt)
    assert {c.body["include_all_metadata"] for c in world.standin.of("conversations.history")} == {"1"}
    assert posts_per_key(world.standin) == Counter(BIG_ROUND)
    assert world.deliveries() == {key: ("sent", 2 if key == lost else 1, None) for key in BIG_ROUND}
    assert world.runs() == [("morning", "2026-11-23", "done", "11 sent, 0 pending, 0 failed")]

    # The retry later finds nothing left in doubt and sends nothing more.
    world.after_the_lease()
    world.rounds().retry()
    assert posts_per_key(world.standin) == Counter(BIG_ROUND)


@pytest.mark.slow
@pytest.mark.postgres
def test_of_two_replicas_serving_one_is_killed_half_way_through_the_round_and_the_other_finishes_it(
        big_postgres_world, tmp_path):
    """Two `kpibot serve` processes, schedulers on, start at 09:00:05 on Monday 23 November: one
    claims the morning round, the other stands by. Slack answers 2 posts and then nothing more;
    with 8 messages in flight the one running the round is killed. The other takes the round over
    at once (the dead process was on this machine): it asks Slack about the 8 (7 arrived; 1 was
    lost, sent again) and sends the 10 never claimed. Every message arrives once."""
    world = big_postgres_world
    lost = "morning:2026-11-23:A104"
    world.standin.stick("chat.postMessage", after=2, lose={lost})
    replicas = {name: serving_replica(world, tmp_path / name) for name in ("one", "two")}
    wait_until(lambda: world.standin.stuck() == 8)
    wait_until(lambda: all("kpibot is listening" in (tmp_path / name / "log").read_text() for name in replicas))
    for process in replicas.values():  # both answer a command, the one sending the round too
        signed = SlackRequests(f"http://127.0.0.1:{process.port}/slack/events", world.standin, secret=SECRET)
        assert signed.command("/mystats", "", "U001", timestamp=int(time.time() - process.clock_behind)) == (200, "")
    answers = [call.body["text"] for call in world.standin.wait_for("respond", 2)]
    assert len(answers) == 2 and answers[0] == answers[1] and "Mon 23 Nov" in answers[0]
    pid = int(the_runner(world).rsplit(":", 1)[1])
    (killed,) = [name for name, process in replicas.items() if process.pid == pid]
    replicas[killed].send_signal(signal.SIGKILL)
    assert replicas[killed].wait(timeout=30) == -signal.SIGKILL
    world.standin.unstick("chat.postMessage")

    (survivor,) = set(replicas) - {killed}
    wait_until(lambda: world.runs() == [("morning", "2026-11-23", "done", "11 sent, 0 pending, 0 failed"),
                                        ("contact", "2026-W47", "done", "0 sent, 0 pending, 0 failed")])
    assert posts_per_key(world.standin) == Counter(BIG_ROUND)
    assert world.deliveries() == {key: ("sent", 2 if key == lost else 1, None) for key in BIG_ROUND}
    replicas[survivor].send_signal(signal.SIGTERM)
    assert replicas[survivor].wait(timeout=30) == 0
    log = (tmp_path / survivor / "log").read_text()
    assert "morning 2026-11-23: running in another process; standing by" in log
    assert "Traceback" not in log


def serving_replica(world: World, cwd: Path) -> subprocess.Popen:  # noqa: F811
    """`kpibot serve` (scheduler on) in a process of its own, its clock started at 09:00:05 on
    Monday 23 November, logging to cwd/log."""
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPIBOT_", "SLACK_", "DATABASE_", "WECOM_"))}
    port = free_port()
    env.update(DATABASE_URL=world.settings.database_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
               SLACK_API_URL=world.standin.api_url, PORT=str(port), PYTHONUNBUFFERED="1")
    started = datetime.fromisoformat("2026-11-23T09:00:05+08:00")
    with open(cwd / "log", "w") as log:
        process = subprocess.Popen([sys.executable, str(FROZEN_KPIBOT), started.isoformat(), "serve"],
                                   cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.port, process.clock_behind = port, time.time() - started.timestamp()  # signed as at its clock
    return process


def the_runner(world: World) -> str:  # noqa: F811
    """host:pid of the process that holds the morning round's claim."""
    with Session(world.engine) as session:
        return session.exec(select(JobRun.runner).where(JobRun.job == "morning")).one()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_a_round_killed_while_opening_dm_channels_still_reaches_everyone_once(world, tmp_path):  # noqa: F811
    """No DM channel is known yet: each message starts with conversations.open. Slack answers the
    first 2 and then nothing more; the process is killed with 6 messages claimed, their channels
    never opened, so never posted. Resumed after the lease, each must still arrive exactly once."""
    world.finds_chen_jing()
    world.standin.stick("conversations.open", after=2)
    process = kpibot_process(world, tmp_path, "jobs", "run", "morning", "--date", "2026-11-23")
    wait_until(lambda: world.standin.stuck() == 6 and sent(world) == 2)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    answered = [c.body["metadata"]["event_payload"]["key"] for c in world.standin.of("chat.postMessage")]
    assert world.deliveries() == {key: ("sent" if key in answered else "sending", 1, None) for key in ROUND}

    world.standin.unstick("conversations.open")
    world.after_the_lease()
    world.rounds().retry()
    # A DM channel never opened is known unsent without asking Slack: opened now, and posted once.
    assert world.standin.of("conversations.history") == []
    assert len(world.standin.of("conversations.open")) == 2 + 6 + 6
    assert posts_per_key(world.standin) == Counter(ROUND)
    assert world.deliveries() == {key: ("sent", 1 if key in answered else 2, None) for key in ROUND}


@pytest.mark.postgres
def test_two_senders_at_once_on_postgresql_claim_each_delivery_once(postgres_world):
    """The delivery claim itself, without the run's claim in front: two fan-outs of the same keys
    on two threads, as two replicas retrying at the same moment."""
    world = postgres_world  # noqa: F811
    world.finds_chen_jing()
    platforms = world.platforms()
    platforms.link(world.engine)
    with Session(world.engine) as session:
        keys = write(session=session, platforms=platforms, notes=morning_notes(session, world.center, MONDAY))
    outcomes = []
    senders = [threading.Thread(target=lambda: outcomes.append(fan_out(world.engine, platforms, keys)))
               for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sorted(outcomes[0].sent + outcomes[1].sent) == sorted(ROUND)
    assert sorted(outcomes[0].skipped + outcomes[1].skipped) == sorted(ROUND)
    assert posts_per_key(world.standin) == Counter(ROUND)


@pytest.mark.slow
def test_a_round_killed_then_run_again_at_once_resumes_without_waiting_for_the_lease(big_world, tmp_path):  # noqa: F811
    """The operator reruns the command straight after the crash: the dead process is known gone
    on this machine, so its run and its deliveries in doubt are taken over at once."""
    world = big_world  # noqa: F811
    world.standin.stick("chat.postMessage", after=2, lose={"morning:2026-11-23:A104"})
    process = kpibot_process(world, tmp_path, "jobs", "run", "morning", "--date", "2026-11-23")
    wait_until(lambda: world.standin.stuck() == 8)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    world.standin.unstick("chat.postMessage")

    report = world.morning(MONDAY)  # no after_the_lease(): right away

    assert report.state == "ran"
    assert posts_per_key(world.standin) == Counter(BIG_ROUND)
    assert {status for status, _, _ in world.deliveries().values()} == {"sent"}
    assert world.runs()[0][2] == "done"
