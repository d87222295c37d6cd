"""The admins' daily word on the stats pulls: the first pull of a working day tells each admin,
once, what the last working day's pulls left out and which got nothing; a day whose pulls all
went well sends nothing. Real pulls from a drop folder on SQLite, told on a recording platform."""

from __future__ import annotations

import os
from datetime import date

import pytest
from freezegun import freeze_time
from sqlmodel import Session

from bot.config.center import open_center
from bot.config.settings import Settings, StatsSource
from bot.outbox.platforms import Platforms
from bot.rounds.pull_summary import pull_and_tell
from bot.sources import batches, folder
from factories import add_agent
from files import write_csv
from recording import RecordingPlatform

HEADER = ["日期", "工号", "通话次数", "通话时长"]


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(folder, "SETTLE_SECONDS", 0.0)


@pytest.fixture
def exports(tmp_path):
    drop = tmp_path / "exports"
    drop.mkdir()
    return drop


@pytest.fixture
def world(database_url, engine, exports):
    with Session(engine) as session:
        add_agent(session, "A001", hire_date=date(2024, 3, 1))
        add_agent(session, "ADM", role="admin", name="Admin Wang")
        add_agent(session, "ZH", role="admin", name="管理员", locale="zh-CN")
        add_agent(session, "M01", role="manager")
        session.commit()
    center = open_center(Settings(database_url=database_url, stats=StatsSource(source=str(exports))))
    platform = RecordingPlatform()
    return center, Platforms([platform]), platform


def pull_at(world, engine, moment: str, today: date):
    center, platforms, _ = world
    with freeze_time(moment):
        return pull_and_tell(center=center, engine=engine, platforms=platforms, today=today)


def test_each_admin_hears_once_of_the_last_working_days_troubles(world, engine, exports):
    _, _, platform = world
    write_csv(exports / "monday.csv", [HEADER, ["2026-11-23", "A001", "50", "120"], ["2026-11-23", "Z9", "1", "2"]])
    os.utime(exports / "monday.csv", (1, 1))  # written first
    write_csv(exports / "broken.csv", [["日期", "工号"], ["2026-11-23", "A001"]])
    pulled = pull_at(world, engine, "2026-11-23T02:00:00Z", date(2026, 11, 23))  # Monday 10:00
    assert sorted((p.row.name, p.row.skipped) for p in pulled) == [("broken.csv", 0), ("monday.csv", 1)]
    assert platform.sent == []  # last Friday's pulls went well: nothing to tell

    pull_at(world, engine, "2026-11-24T00:30:00Z", date(2026, 11, 24))  # Tuesday 08:30
    assert sorted(k for k, _, _ in platform.sent) == ["pull-summary:2026-11-23:ADM", "pull-summary:2026-11-23:ZH"]
    told = {key: text for key, _, text in platform.sent}
    assert told["pull-summary:2026-11-23:ADM"] == (
        "Stats pulls of Mon 23 Nov: 1 with rows left out, 1 with nothing imported.\n"
        "10:00 · monday.csv · 2 rows read, 1 bad row left out:\n"
        "  line 3: employee Z9 is not on the roster (import the roster first: kpibot roster import FILE)\n"
        "10:00 · broken.csv · not imported: broken.csv: missing columns calls (通话次数). The first row must name "
        "them (English or Chinese headers).\n"
        "Correct the rows at the call-center system and they come in with its next export; kpibot jobs status "
        "lists the last pulls.")
    assert told["pull-summary:2026-11-23:ZH"].splitlines()[0] == "11月23日 周一的数据拉取：1 次跳过了有误的行，1 次没有取到数据。"
    assert "  第 3 行：工号 Z9 不在花名册中（请先导入花名册：kpibot roster import FILE）" in told["pull-summary:2026-11-23:ZH"]
    assert "10:00 · broken.csv · 未导入：broken.csv：缺少列 calls (通话次数)。" in told["pull-summary:2026-11-23:ZH"]  # in the reader's words

    pull_at(world, engine, "2026-11-24T01:00:00Z", date(2026, 11, 24))  # Tuesday's next pull
    assert len(platform.sent) == 2


def test_past_five_rows_a_pull_says_how_many_more_it_left_out(world, engine, exports):
    _, _, platform = world
    rows = [["2026-11-23", f"Z{n}", "1", "2"] for n in range(8)]  # eight agents not on the roster
    write_csv(exports / "monday.csv", [HEADER, *rows])
    pull_at(world, engine, "2026-11-23T02:00:00Z", date(2026, 11, 23))
    pull_at(world, engine, "2026-11-24T00:30:00Z", date(2026, 11, 24))
    told = {key: text for key, _, text in platform.sent}["pull-summary:2026-11-23:ADM"].splitlines()
    assert told[1] == "10:00 · monday.csv · 8 rows read, 8 bad rows left out:"
    assert told[2:8] == [f"  line {n + 2}: employee Z{n} is not on the roster (import the roster first: kpibot "
                         "roster import FILE)" for n in range(5)] + ["  … and 3 more"]


def test_a_source_down_all_day_is_one_line(world, engine, tmp_path, monkeypatch):
    center, platforms, platform = world
    monkeypatch.setattr(batches, "WAITS", (0.0, 0.0))
    gone = tmp_path / "unmounted" / "cti.db"  # a folder not there: SQLite cannot open it
    down = open_center(Settings(database_url=center.settings.database_url,
                                stats=StatsSource(source=f"sqlite:///{gone}", query="SELECT * FROM daily")))
    for moment in ("2026-11-23T01:00:00Z", "2026-11-23T01:30:00Z", "2026-11-23T07:00:00Z"):
        with freeze_time(moment):
            pull_and_tell(center=down, engine=engine, platforms=platforms, today=date(2026, 11, 23))
    with freeze_time("2026-11-24T00:30:00Z"):
        pull_and_tell(center=down, engine=engine, platforms=platforms, today=date(2026, 11, 24))
    told = {key: text for key, _, text in platform.sent}["pull-summary:2026-11-23:ADM"].splitlines()
    assert told[0] == "Stats pulls of Mon 23 Nov: 0 with rows left out, 1 with nothing imported."
    assert told[1] == (f"09:00–15:00 · sqlite:///{gone} · not imported, 3 times: could not reach the database "
                       "(unable to open database file) in 3 tries; the numbers already in stay as they were")
