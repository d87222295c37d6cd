"""How fast the engine is: imports, the month's standings, /mystats and the demo.

    .venv/bin/python bench/engine.py [--agents 500] [--runs 5] [--database-url URL]

Builds a center of N agents in a scratch SQLite file (or the database you name, which it
fills), then prints the median of several runs for each step, and the peak memory.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from bot.config.center import open_center
from bot.store.db import make_engine, upgrade
from bot.sources.stats import import_stats
from bot.rounds.morning import morning_notes
from bot.sources.roster import import_roster
from bot.config.settings import Settings
from bot.usecases.standings import month_standings
from bot.usecases.mystats import stats_view
from bot.store import queries
from timing import timed
from messages.render import render
from scoring.calendar import Month

MONTH = Month(2026, 10)
TODAY = date(2026, 11, 20)


def write_files(folder: Path, agents: int, calendar) -> tuple[Path, Path, Path]:
    rng = random.Random(1)
    roster, daily, cdr = folder / "roster.csv", folder / "daily.csv", folder / "cdr.csv"
    with roster.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["工号", "姓名", "班组", "角色", "入职日期"])
        for n in range(agents):
            out.writerow([f"A{n:05d}", f"Agent {n}", f"Team {n // 10}", "客服", "2024-03-01"])
    with daily.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["日期", "工号", "通话次数", "通话时长"])
        for day in calendar.month_working_days(MONTH):
            for n in range(agents):
                out.writerow([day.isoformat(), f"A{n:05d}", rng.randint(40, 75), round(rng.uniform(100, 190), 1)])
    with cdr.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["employee_id", "started_at", "talk_seconds"])
        start = datetime(2026, 11, 2, 9, 0)
        for n in range(agents):
            for call in range(60):
                out.writerow([f"A{n:05d}", (start + timedelta(minutes=7 * call)).isoformat(), rng.randint(30, 400)])
    return roster, daily, cdr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kpibot-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    center = open_center(Settings(database_url=url))
    roster, daily, cdr = write_files(folder, args.agents, center.calendar)
    rows = args.agents * len(center.calendar.month_working_days(MONTH))
    print(f"kpibot engine bench: {args.agents:,} agents, {rows:,} daily rows, "
          f"{args.agents * 60:,} call records, {url.split(':')[0]}, median of {args.runs} runs")

    def session_step(work):
        def step():
            with Session(engine) as session:
                work(session)
        return step

    first = timed(session_step(lambda s: import_roster(session=s, center=center, path=roster)), 1)
    print(f"roster import (first)         {first * 1000:9.1f} ms")
    first = timed(session_step(lambda s: import_stats(session=s, center=center, path=daily, today=TODAY)), 1)
    print(f"daily import (first)          {first * 1000:9.1f} ms   {rows / first:10,.0f} rows/s")
    again = timed(session_step(lambda s: import_stats(session=s, center=center, path=daily, today=TODAY)), args.runs)
    print(f"daily import (again, no-op)   {again * 1000:9.1f} ms   {rows / again:10,.0f} rows/s")
    calls = args.agents * 60
    cdr_time = timed(session_step(lambda s: import_stats(session=s, center=center, path=cdr, fmt="cdr",
                                                         today=TODAY)), args.runs)
    print(f"cdr import (one day)          {cdr_time * 1000:9.1f} ms   {calls / cdr_time:10,.0f} calls/s")
    board = timed(session_step(lambda s: month_standings(session=s, center=center, month=MONTH,
                                                         through=MONTH.last)), args.runs)
    print(f"month standings               {board * 1000:9.1f} ms")

    def one_view(session):
        agent = queries.agent_by_employee_id(session=session, employee_id="A00007")
        stats_view(session=session, center=center, agent=agent, day=MONTH.last)

    print(f"stats show (one agent)        {timed(session_step(one_view), args.runs) * 1000:9.1f} ms")
    built = []
    render_round = session_step(lambda s: built.append(
        [render(n.template, n.locale, **n.context) for n in morning_notes(s, center, MONTH.last)]))
    took = timed(render_round, args.runs)
    print(f"morning round messages        {took * 1000:9.1f} ms   {len(built[-1]):,} messages "
          f"({len(built[-1]) / took:,.0f}/s)")
    demo = timed(lambda: subprocess.run([sys.executable, "-m", "bot", "demo", "--db", str(folder / "demo.db")],
                                        check=True, capture_output=True), 3)
    print(f"kpibot demo (whole process)   {demo * 1000:9.1f} ms   (median of 3)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process   {peak:9.1f} MB")


if __name__ == "__main__":
    main()
