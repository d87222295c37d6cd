"""How fast /mystats answers a large center, over real signed HTTP: the acknowledgement, and the
answer's arrival.

    .venv/bin/python bench/mystats.py [--agents 20000] [--days 365] [--requests 500]
        [--database-url URL] [--postgres-server URL | --no-postgres]

Fills a database with `--agents` agents in teams of ten, a lead for each team, a manager for
every hundred teams and an admin, everyone on Slack; `--days` days of numbers for every agent,
up to today (20,000 agents for 365 days: 7.3 million rows); a deduction or an award for one
agent in five in each month; and a stats pull. By default it runs on a scratch SQLite file and,
when the server answers, on a scratch PostgreSQL database it creates on `--postgres-server` and
drops afterwards; `--database-url` names the one database to use instead (empty: it is
migrated and filled). Against each, `kpibot serve --no-scheduler` runs on 127.0.0.1 and talks
to a local stand-in of Slack's Web API; `--requests` /mystats (a random agent each, one at a
time: `/mystats`, `/mystats month` and the month before, in turn) are signed as Slack signs
them and posted to /slack/events. Timed: the acknowledgement (the HTTP answer to the command)
and the answer's arrival (from sending the command to the stand-in receiving the answer on its
response_url). Five more requests go first and are not counted: the first of each kind ranks
its month afresh (as the first after new numbers or a roster change does), and its time is
printed apart. Nothing reaches Slack.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path
from urllib.request import urlopen
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))
from slack_requests import SECRET, SlackRequests  # noqa: E402
from slack_standin import SlackStandIn  # noqa: E402

from bot.config.policy import load_policy  # noqa: E402
from bot.store.db import make_engine, upgrade  # noqa: E402
from bot.store.models import Agent, LedgerEntry, StatsPull, Team, TeamLead, utcnow  # noqa: E402
from scoring.calendar import Month  # noqa: E402

TEAM = 10  # agents to a team, and a lead for each
WARM_UP = 5
TEXTS = ("", "month", "{before}")  # /mystats, /mystats month, /mystats YYYY-MM (the month before)
GOAL_MS = 50
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STAT_COLUMNS = ("agent_id", "day", "calls", "talk_seconds", "members", "updated_at")


@dataclass(frozen=True)
class Figures:
    database: str
    ack: list[float]  # seconds, one a request
    answer: list[float]
    answered: int  # answers that were the asker's stats
    first: list[float]  # the first answer of each kind, not counted: each ranks a month afresh


# --- the center -----------------------------------------------------------------------------


def people(agents: int) -> tuple[list[dict], int]:
    """The roster rows and the number of teams."""
    rng = random.Random(1)
    teams = -(-agents // TEAM)
    rows = [dict(employee_id=f"A{n:05d}", name=f"Agent {n}", team_id=n // TEAM + 1, role="agent",
                 hire_date=date(2019, 1, 1) + timedelta(days=rng.randrange(5 * 365))) for n in range(agents)]
    rows += [dict(employee_id=f"L{t:04d}", name=f"Lead {t}", team_id=t + 1, role="lead",
                  hire_date=date(2018, 1, 1)) for t in range(teams)]
    rows += [dict(employee_id=f"M{m:03d}", name=f"Manager {m}", team_id=None, role="manager",
                  hire_date=date(2017, 1, 1)) for m in range(-(-teams // 100))]
    rows.append(dict(employee_id="ADM", name="Admin", team_id=None, role="admin", hire_date=date(2017, 1, 1)))
    return [{**r, "id": n + 1, "slack_user_id": f"U{n + 1:07d}"} for n, r in enumerate(rows)], teams


def stat_rows(agents: int, days: list, now):
    """Every agent's every day, agent by agent, as tuples of STAT_COLUMNS; `days` and `now` as
    the driver takes them. The numbers come from a pool, to be quick."""
    rng = random.Random(2)
    pool = [(rng.randint(40, 75), rng.randint(6000, 11000), rng.randint(20, 40)) for _ in range(9973)]
    for n in range(agents):
        for d, day in enumerate(days):
            calls, seconds, members = pool[(n * 31 + d * 7) % len(pool)]
            yield n + 1, day, calls, seconds, members, now


def fill(engine, agents: int, days: list[date]) -> int:
    """The center, written straight into the tables; the number of daily rows."""
    rows, teams = people(agents)
    with Session(engine) as session:
        session.execute(insert(Team), [{"id": t + 1, "name": f"Team {t}"} for t in range(teams)])
        session.execute(insert(Agent), rows)
        session.execute(insert(TeamLead), [{"agent_id": agents + t + 1, "team_id": t + 1} for t in range(teams)])
        session.execute(insert(LedgerEntry), ledger_rows(agents, days))
        session.add(StatsPull(name="bench.csv", sha256="0" * 64, rows=agents, added=agents))
        session.commit()
    if engine.dialect.name == "postgresql":  # as COPY reads text
        copy_stats(engine, stat_rows(agents, [d.isoformat() for d in days], utcnow().isoformat()))
    else:  # as SQLAlchemy stores dates and times in SQLite
        insert_stats(engine, stat_rows(agents, [d.isoformat() for d in days],
                                       utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")))
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:  # what autovacuum does on its own soon after a load
            connection.execute(text("ANALYZE"))
            connection.commit()
    return agents * len(days)


def ledger_rows(agents: int, days: list[date]) -> list[dict]:
    rng, now = random.Random(3), utcnow()
    months = sorted({Month.of(d) for d in days}, key=lambda m: m.first)
    return [{"agent_id": n + 1, "day": max(month.first, days[0]), "points": rng.choice((-5, -3, -2, 1, 2)),
             "reason": "bench", "author_id": agents + n // TEAM + 1, "created_at": now}
            for month in months for n in range(rng.randrange(5), agents, 5)]


def insert_stats(engine, rows) -> None:
    """SQLite: one executemany through the driver, with a cache that holds the indexes."""
    sql = f"INSERT INTO daily_stat ({', '.join(STAT_COLUMNS)}) VALUES ({', '.join('?' * len(STAT_COLUMNS))})"
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA cache_size = -1000000")  # in KiB: this connection only
        cursor.executemany(sql, rows)
        connection.commit()
    finally:
        connection.close()


def copy_stats(engine, rows) -> None:
    """PostgreSQL: COPY through psycopg 3, as text in large pieces."""
    connection = engine.raw_connection()
    try:
        with connection.cursor() as cursor:
            # no foreign key checked row by row (the rows are made right) and no trigger: nothing
            # has read the database yet, so there is no revision to bump
            cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.copy(f"COPY daily_stat ({', '.join(STAT_COLUMNS)}) FROM STDIN") as copy:
                for chunk in iter(lambda: list(islice(rows, 100_000)), []):
                    copy.write("".join("%d\t%s\t%d\t%d\t%d\t%s\n" % row for row in chunk))
        connection.commit()
    finally:
        connection.close()


# --- serving and asking ---------------------------------------------------------------------


@contextmanager
def serving(url: str, standin: SlackStandIn, folder: Path):
    """`kpibot serve --no-scheduler` in a process of its own, on a free loopback port; its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WECOM_", "KPIBOT_", "DATABASE_"))}
    env.update(DATABASE_URL=url, SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET,
               SLACK_API_URL=standin.api_url, PORT=str(port))
    log = (folder / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--no-scheduler"], cwd=folder, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, server, folder / "serve.log")
        yield f"{base}/slack/events"
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def wait_healthy(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"kpibot serve stopped (exit {server.returncode}); its output:\n{log.read_text()}")
        try:
            with urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"kpibot serve did not answer /healthz within 60 s; its output:\n{log.read_text()}")


def asked(requests: int, agents: int, today: date) -> list[tuple[int, str]]:
    """(agent number, command text) for each request: today, this month, the month before."""
    rng = random.Random(4)
    texts = [text.format(before=Month.of(today).previous()) for text in TEXTS]
    return [(rng.randrange(agents), texts[n % len(texts)]) for n in range(requests)]


def measure(url: str, standin: SlackStandIn, plan: list[tuple[int, str]], database: str) -> Figures:
    """Each request in turn: its acknowledgement, then the wait for its answer."""
    slack = SlackRequests(url, standin)
    acks, answers, answered, first = [], [], 0, []
    for n, (agent, words) in enumerate(plan):
        before = len(standin.of("respond"))
        began = time.perf_counter()
        status, _ = slack.command("/mystats", words, f"U{agent + 1:07d}")
        acked = time.perf_counter()
        arrived = standin.wait_for("respond", before + 1, timeout=300)
        done = time.perf_counter()
        if status != 200 or len(arrived) <= before:
            sys.exit(f"/mystats {words!r} as agent {agent}: HTTP {status}, {len(arrived) - before} answers")
        if n < len(TEXTS):
            first.append(done - began)
        if n >= WARM_UP:
            acks.append(acked - began)
            answers.append(done - began)
            answered += f"(A{agent:05d})" in arrived[-1].body.get("text", "")
    return Figures(database, acks, answers, answered, first)


def percentiles(times: list[float]) -> tuple[float, float]:
    """p50 and p99, in milliseconds."""
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times) * 1000, cuts[98] * 1000


# --- databases ------------------------------------------------------------------------------


@contextmanager
def scratch_postgres(server: str):
    """A new database on `server`, dropped afterwards; None when the server does not answer."""
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    name = f"kpibot_bench_mystats_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # no server: the bench runs on SQLite alone
        print(f"PostgreSQL at {server} did not answer ({str(err).splitlines()[0]}): SQLite only")
        admin.dispose()
        yield None
        return
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, args: argparse.Namespace, today: date, folder: Path) -> Figures:
    engine = make_engine(url)
    upgrade(engine)
    days = [today - timedelta(days=n) for n in reversed(range(args.days))]
    began = time.perf_counter()
    rows = fill(engine, args.agents, days)
    name = engine.dialect.name
    print(f"{name}: {args.agents:,} agents, {rows:,} daily rows from {days[0]} to {days[-1]}, "
          f"filled in {time.perf_counter() - began:,.1f} s")
    engine.dispose()
    standin = SlackStandIn()
    try:
        with serving(url, standin, folder) as events:
            figures = measure(events, standin, asked(args.requests + WARM_UP, args.agents, today), name)
    finally:
        standin.close()
    report(figures)
    return figures


def report(f: Figures) -> None:
    (ack50, ack99), (answer50, answer99) = percentiles(f.ack), percentiles(f.answer)
    print(f"{f.database}: {len(f.ack)} requests, ack p50 {ack50:.1f} ms p99 {ack99:.1f} ms; "
          f"answer p50 {answer50:.1f} ms p99 {answer99:.1f} ms; {f.answered} answers were the asker's stats")
    firsts = ", ".join(f"{kind} {took * 1000:,.0f} ms" for kind, took in zip(("today", "month", "the month before"),
                                                                           f.first))
    print(f"{f.database}: the first answer of each kind (not counted) ranked its month afresh: {firsts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database-url", help="an empty database to migrate, fill and use alone")
    parser.add_argument("--postgres-server", default=PG_SERVER, help="where to create the scratch PostgreSQL database")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    today = datetime.now(ZoneInfo(load_policy(None).timezone)).date()  # the center's, as kpibot serve sees it
    folder = Path(tempfile.mkdtemp(prefix="kpibot-mystats-"))
    print(f"/mystats bench: {args.agents:,} agents, {args.days} days each, {args.requests} requests a database "
          f"(after {WARM_UP} not counted), one at a time")
    if args.database_url:
        results = [run(args.database_url, args, today, folder)]
    else:
        results = [run(f"sqlite:///{folder / 'bench.db'}", args, today, folder)]
        if not args.no_postgres:
            with scratch_postgres(args.postgres_server) as url:
                if url is not None:
                    results.append(run(url, args, today, folder))
    print(summary(results))


def summary(results: list[Figures]) -> str:
    parts, worst = [], 0.0
    for f in results:
        (ack50, ack99), (answer50, answer99) = percentiles(f.ack), percentiles(f.answer)
        worst = max(worst, ack99, answer99)
        parts.append(f"{f.database} ack p50 {ack50:.0f} ms p99 {ack99:.0f} ms, "
                     f"answer p50 {answer50:.0f} ms p99 {answer99:.0f} ms")
    met = "met" if worst < GOAL_MS else "not met"
    return f"mystats: {'; '.join(parts)}; goal p99 < {GOAL_MS} ms: {met}"


if __name__ == "__main__":
    main()
