"""`kpibot demo` builds a sample center and prints a morning and a month-end, with no tokens."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.store.db import make_engine
from bot.store.models import Agent, DailyStat, LedgerEntry, Team


def run_demo(tmp_path: Path, *args: str, locale: str = "en") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPIBOT_", "DATABASE_URL"))}
    return subprocess.run([sys.executable, "-m", "bot", "demo", *args], cwd=tmp_path, env=env | {
        "KPIBOT_LOCALE": locale}, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("demo")
    return tmp_path, run_demo(tmp_path, "--date", "2026-11-20")


def test_it_prints_a_nudge_a_digest_and_the_leaderboard(demo):
    _, done = demo
    assert (done.returncode, done.stderr) == (0, "")
    sections = [line for line in done.stdout.splitlines() if line.startswith("== ")]
    assert sections == [
        "== Morning message to Wang Fang (A001), 2026-11-20 ==",
        "== Morning digest for Xu Chen, team lead ==",
        "== Month-end leaderboard ==",
    ]
    assert "Leaderboard, October 2026, by attainment" in done.stdout
    assert " 1. " in done.stdout and "10. " in done.stdout


def test_the_sample_center_is_in_a_local_sqlite_file(demo):
    tmp_path, _ = demo
    with Session(make_engine(f"sqlite:///{tmp_path / 'kpibot-demo.db'}")) as session:
        count = lambda model: session.exec(select(func.count()).select_from(model)).one()  # noqa: E731
        assert (count(Team), count(Agent)) == (3, 34)  # 30 agents, 3 leads, 1 manager
        assert count(DailyStat) > 25 * 30  # 32 working days from 1 Oct to 19 Nov, a few days off
        assert count(LedgerEntry) == 25  # 24 entries and one undo
        tenures = {a.hire_date.year for a in session.exec(select(Agent).where(Agent.role == "agent"))}
        assert len(tenures) > 2  # mixed tenure


def test_it_speaks_chinese(tmp_path):
    done = run_demo(tmp_path, "--date", "2026-11-20", locale="zh-CN")
    assert done.returncode == 0
    assert "== 月末排行榜 ==" in done.stdout and "2026年10月排行榜（按达成率）" in done.stdout


def test_running_it_again_starts_afresh(demo):
    tmp_path, first = demo
    again = run_demo(tmp_path, "--date", "2026-11-20")
    assert again.stdout == first.stdout


def test_a_reader_that_stops_early_is_no_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPIBOT_", "DATABASE_URL"))}
    done = subprocess.run(f"{sys.executable} -m bot demo --date 2026-11-20 | head -1", shell=True,
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("Sample center:") and done.stderr == ""


def test_the_commands_it_suggests_work_as_printed(demo):
    """The last lines say how to look around; run from the same folder, each works as printed
    (here kpibot was started as `python -m bot`, so that is what they say)."""
    tmp_path, done = demo
    suggested = [line.strip() for line in done.stdout.splitlines() if line.startswith("  DATABASE_URL=")]
    assert suggested == [f"DATABASE_URL=sqlite:///kpibot-demo.db {sys.executable} -m bot stats show A001",
                         f"DATABASE_URL=sqlite:///kpibot-demo.db {sys.executable} -m bot console --as L01"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KPIBOT_", "DATABASE_URL", "SLACK_"))}
    shown = subprocess.run(suggested[0], shell=True, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=60)
    assert (shown.returncode, shown.stdout.splitlines()[0]) == (0, "Wang Fang (A001) · Team 1 · veteran")
    spoken = subprocess.run(suggested[1], shell=True, cwd=tmp_path, env=env, input="/teamstats 2026-11-19\n",
                            capture_output=True, text=True, timeout=60)
    assert spoken.returncode == 0
    assert re.fullmatch(r"Team 1, Thu 19 Nov: \d+ of 10 met the daily quota\.", spoken.stdout.splitlines()[0])
