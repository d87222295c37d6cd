"""How fast kpibot imports call detail records, beside pandas and DuckDB on the same file.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python bench/ingest.py
        [--calls 1000000] [--agents 2000] [--runs 5] [--row-by-row]

Writes the calls of a month by `--agents` agents into a scratch CSV once (Chinese headers, a
call ID, every row plain), then times on that file, `--runs` times each: kpibot's stats import
into a fresh SQLite database (the roster added first, not timed); pandas' read_csv and a groupby
by agent and day, bare and with the checks kpibot makes; DuckDB's read_csv and a group by. It prints the median rows a second of each,
kpibot's against the others, and the peak memory of a process doing kpibot's import alone.
`--row-by-row` also times kpibot checking every row one by one (as it does a file with a row
that is not plain), once.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
from sqlalchemy import insert
from sqlmodel import Session

from bot.config.center import open_center
from bot.config.settings import Settings
from bot.sources.bulk import BULK_FROM
from bot.sources.stats import import_stats
from bot.store.db import make_engine, upgrade
from bot.store.models import Agent, Team
from timing import timed

MONTH_START, DAYS = date(2026, 10, 1), 31
TODAY = date(2026, 11, 20)
HIRED = date(2024, 3, 1)
ROW_BY_ROW = 10**15  # bulk_from no file reaches


def write_calls(path: Path, calls: int, agents: int) -> None:
    """`calls` calls spread evenly over the agents and the month's days: an agent's day from 08:00
    to 22:00 in as many slots as it has calls, each call at a random second of its slot."""
    rng = random.Random(1)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("通话ID,工号,开始时间,通话秒数\r\n")
        for agent in range(agents):
            count = calls // agents + (agent < calls % agents)
            span = 14 * 3600 // -(-count // DAYS)
            lines = []
            for n in range(count):
                day = n * DAYS // count
                second = 8 * 3600 + (n - -(-day * count // DAYS)) * span + rng.randrange(span)
                lines.append(f"{1790000000 + agent * 1000 + n}.{agent},A{agent:05d},"
                             f"{MONTH_START + timedelta(days=day)} {second // 3600:02d}:"
                             f"{second // 60 % 60:02d}:{second % 60:02d},{rng.randint(5, 600)}\r\n")
            out.write("".join(lines))


def roster_database(folder: Path, agents: int) -> Path:
    """A migrated SQLite file holding the roster, to copy for each import."""
    path = folder / "roster.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine) as session:
        session.add(Team(id=1, name="Team"))
        session.execute(insert(Agent), [{"employee_id": f"A{n:05d}", "name": f"Agent {n}", "team_id": 1,
                                         "role": "agent", "hire_date": HIRED} for n in range(agents)])
        session.commit()
    engine.dispose()
    return path


def kpibot_import(template: Path, calls: Path, bulk_from: int = BULK_FROM) -> float:
    """Seconds kpibot takes to import the calls into a fresh copy of the roster database."""
    path = template.with_name("import.db")
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    engine, center = make_engine(url), open_center(Settings(database_url=url))
    with Session(engine) as session:
        began = time.perf_counter()
        import_stats(session=session, center=center, path=calls, fmt="cdr", today=TODAY, bulk_from=bulk_from)
        took = time.perf_counter() - began
    engine.dispose()
    return took


def pandas_sums(calls: Path) -> None:
    import pandas  # here, so that the process measuring kpibot's memory does not load it

    frame = pandas.read_csv(calls, parse_dates=["开始时间"])
    frame.groupby(["工号", frame["开始时间"].dt.normalize()])["通话秒数"].agg(["count", "sum"])


def pandas_checked_sums(calls: Path, agents: int) -> None:
    """pandas doing the checks kpibot does before it sums (no database write): IDs on the roster,
    plain moments up to today, talk time within a day, no call ID twice."""
    import pandas

    frame = pandas.read_csv(calls, dtype=str)
    started = pandas.to_datetime(frame["开始时间"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    talk = pandas.to_numeric(frame["通话秒数"], errors="coerce")
    plain = (frame["工号"].isin({f"A{n:05d}" for n in range(agents)}) & talk.between(0, 86400)
             & (started < pandas.Timestamp(TODAY + timedelta(days=1))) & ~frame["通话ID"].duplicated(keep=False))
    frame.assign(talk=talk)[plain].groupby(["工号", started.dt.normalize()])["talk"].agg(["count", "sum"])


def duckdb_sums(calls: Path) -> None:
    with duckdb.connect() as db:
        db.execute("select 工号, 开始时间::date, count(*), sum(通话秒数) from read_csv($path) group by all",
                   {"path": str(calls)}).fetchall()


def peak_of_import(template: Path, calls: Path) -> float:
    """The peak memory, in MB, of a process doing kpibot's import alone (this script again). A
    child's ru_maxrss starts from its parent's size at the fork: measure while this one is small."""
    done = subprocess.run([sys.executable, __file__, "--import-only", str(template), str(calls)],
                          check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--row-by-row", action="store_true")
    parser.add_argument("--import-only", nargs=2, type=Path, help=argparse.SUPPRESS)  # the memory's process
    args = parser.parse_args()
    if args.import_only:
        kpibot_import(*args.import_only)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
        return
    folder = Path(tempfile.mkdtemp(prefix="kpibot-ingest-"))
    calls = folder / "calls.csv"
    write_calls(calls, args.calls, args.agents)
    template = roster_database(folder, args.agents)
    peak = peak_of_import(template, calls)
    print(f"ingest bench: {args.calls:,} call records of {args.agents:,} agents over {DAYS} days, "
          f"{calls.stat().st_size / 1e6:,.1f} MB of CSV, median of {args.runs} runs")
    rates = {}
    for name, step in [("kpibot import", lambda: kpibot_import(template, calls)),
                       ("pandas read_csv + groupby", lambda: pandas_sums(calls)),
                       ("pandas, checked as kpibot checks", lambda: pandas_checked_sums(calls, args.agents)),
                       ("duckdb read_csv + group by", lambda: duckdb_sums(calls))]:
        took = timed(step, args.runs)
        rates[name] = args.calls / took
        print(f"{name:32s} {took * 1000:9.1f} ms   {rates[name]:12,.0f} rows/s")
    if args.row_by_row:
        took = kpibot_import(template, calls, ROW_BY_ROW)
        print(f"{'kpibot import, row by row':32s} {took * 1000:9.1f} ms   {args.calls / took:12,.0f} rows/s   "
              f"(bulk {rates['kpibot import'] * took / args.calls:.1f}x as fast; one run)")
    print(f"{'kpibot import, peak memory':32s} {peak:9.1f} MB   (a process doing it alone)")
    kpibot = rates["kpibot import"]
    print(f"summary: kpibot {kpibot:,.0f} rows/s, {kpibot / rates['pandas read_csv + groupby']:.2f}x pandas, "
          f"{kpibot / rates['pandas, checked as kpibot checks']:.2f}x pandas checked, "
          f"{kpibot / rates['duckdb read_csv + group by']:.2f}x duckdb, peak {peak:,.0f} MB "
          f"(goal: faster than pandas, under 300 MB)")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
