"""How fast the month-end round is built for a large center: the leaderboard, each agent's final
month, every lead's and manager's review list, and the chart.

    .venv/bin/python bench/monthend.py [--agents 20000] [--runs 5] [--database-url URL]

Fills a scratch SQLite file (or the database you name, which must be empty and is migrated) with
`--agents` agents in teams of ten, a lead for each team, a manager for every hundred teams and
an admin; every working day of November 2026 for each agent; and a deduction or an award for
one agent in three in each of the three months before December. It then times, `--runs` times
each: building the round's messages (the standings, the reviews, the leaderboard post and its
PNG chart) as the round does before it writes them to the outbox, and rendering every one of
them as text, each with the garbage collector paused as the round pauses it. Nothing is sent.
The last line sums the two medians against the goal of one second for the round.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))
from recording import RecordingPlatform  # noqa: E402

from bot.config.center import open_center  # noqa: E402
from bot.config.settings import Settings  # noqa: E402
from bot.outbox.platforms import Platforms  # noqa: E402
from bot.rounds.month_end import month_end_notes  # noqa: E402
from bot.rounds.run import collector_paused  # noqa: E402
from bot.store.db import make_engine, upgrade  # noqa: E402
from bot.store.models import Agent, DailyStat, LedgerEntry, Team, TeamLead, utcnow  # noqa: E402
from scoring.calendar import Month  # noqa: E402
from timing import timed  # noqa: E402

MONTH = Month(2026, 11)
HIRED = date(2024, 3, 1)
TEAM = 10  # agents to a team, and a lead for each


def fill(engine, agents: int, calendar) -> int:
    """The center, written straight into the tables; the number of daily rows."""
    rng = random.Random(1)
    teams = -(-agents // TEAM)
    people = [dict(employee_id=f"A{n:05d}", name=f"Agent {n}", team_id=n // TEAM + 1, role="agent")
              for n in range(agents)]
    people += [dict(employee_id=f"L{t:04d}", name=f"Lead {t}", team_id=t + 1, role="lead") for t in range(teams)]
    people += [dict(employee_id=f"M{m:03d}", name=f"Manager {m}", team_id=None, role="manager")
               for m in range(-(-teams // 100))]
    people.append(dict(employee_id="ADM", name="Admin", team_id=None, role="admin"))
    days = calendar.month_working_days(MONTH)
    with Session(engine) as session:
        session.execute(insert(Team), [{"id": t + 1, "name": f"Team {t}"} for t in range(teams)])
        session.execute(insert(Agent), [{**p, "id": n + 1, "hire_date": HIRED} for n, p in enumerate(people)])
        session.execute(insert(TeamLead), [{"agent_id": agents + t + 1, "team_id": t + 1} for t in range(teams)])
        now = utcnow()
        for day in days:
            session.execute(insert(DailyStat), [
                {"agent_id": n + 1, "day": day, "calls": rng.randint(40, 75),
                 "talk_seconds": rng.randint(6000, 11000), "updated_at": now} for n in range(agents)])
        for month in (Month(2026, 9), Month(2026, 10), MONTH):
            session.execute(insert(LedgerEntry), [
                {"agent_id": n + 1, "day": month.first, "points": rng.choice((-5, -3, -2, 1, 2)),
                 "reason": "bench", "author_id": agents + n // TEAM + 1, "created_at": now}
                for n in range(0, agents, 3)])
        session.commit()
    return agents * len(days)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='kpibot-monthend-')) / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    center = open_center(Settings(database_url=url))
    rows = fill(engine, args.agents, center.calendar)
    platform = RecordingPlatform(channel="C0BENCH")
    platforms = Platforms([platform])
    built: list = []

    def build() -> None:  # with the collector paused, as the round builds and writes
        with collector_paused(), Session(engine) as session:
            built[:] = list(month_end_notes(session, center, platforms, MONTH))

    def render() -> None:
        with collector_paused():
            for note in built:
                platform.render(note)

    took, rendered = timed(build, args.runs), timed(render, args.runs)
    chart = next(n for n in built if n.file is not None).file.data
    reviews = sum(n.template == "review_list" for n in built)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"month-end bench: {args.agents:,} agents, {rows:,} daily rows of {MONTH}, {engine.dialect.name}, "
          f"median of {args.runs} runs")
    print(f"build the round's messages    {took * 1000:9.1f} ms   {len(built):,} messages: the post, its chart "
          f"({len(chart) / 1024:,.0f} KB PNG), {reviews:,} review lists and every agent's month")
    print(f"render them all as text       {rendered * 1000:9.1f} ms")
    print(f"peak memory of this process   {peak:9.1f} MB")
    total = took + rendered
    print(f"monthend: {args.agents} agents, build {took * 1000:.0f} ms + render {rendered * 1000:.0f} ms = "
          f"{total * 1000:.0f} ms (median of {args.runs}), peak {peak:.0f} MB; "
          f"goal < 1 s: {'met' if total < 1 else 'not met'}")
    engine.dispose()


if __name__ == "__main__":
    main()
