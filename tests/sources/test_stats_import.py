"""The stats imports on a real database: daily stats (English or Chinese headers, CSV or XLSX) and
call detail records summed by the center's local day (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlmodel import select

from bot.sources.rows import ImportRejected, ImportReport
from bot.sources.stats import import_stats
from bot.sources.cells import CellError
from bot.store.models import Agent, DailyStat
from factories import add_agent, add_day
from files import database_rows, write_csv, write_xlsx
from messages.render import describe

TODAY = date(2026, 11, 22)


class Day(NamedTuple):
    date: Any
    employee_id: str
    calls: Any
    talk_minutes: Any
    members: Any = None
    leads_assigned: Any = None
    leads_contacted: Any = None


DAYS = [
    Day(date(2026, 11, 2), "A001", 62, 151.5, 30, 100, 65),
    Day(date(2026, 11, 3), "A001", 58, 140.25, 28, 90, 60),
    Day(date(2026, 11, 9), "A002", 40, 95),
    Day(date(2026, 11, 10), "A002", 52, 121.75, 5, 20, 12),
]
STORED = {  # (employee, day): (calls, talk_seconds, members, leads_assigned, leads_contacted)
    ("A001", date(2026, 11, 2)): (62, 9090, 30, 100, 65),
    ("A001", date(2026, 11, 3)): (58, 8415, 28, 90, 60),
    ("A002", date(2026, 11, 9)): (40, 5700, None, None, None),
    ("A002", date(2026, 11, 10)): (52, 7305, 5, 20, 12),
}
HEADERS = {
    "en": Day._fields,
    "zh": ("日期", "工号", "通话次数", "通话时长（分钟）", "发展会员", "分配数据", "接触量"),
}
REQUIRED = 4  # date, employee_id, calls, talk_minutes


@pytest.fixture
def agents(session):
    """A001, a veteran, and A002, hired on Monday 9 November 2026."""
    return {
        "A001": add_agent(session, "A001", team="一组", hire_date=date(2020, 1, 1)),
        "A002": add_agent(session, "A002", team="一组", hire_date=date(2026, 11, 9)),
    }


def daily_file(tmp_path: Path, days: list[Day], *, lang: str = "en", kind: str = "csv",
               width: int = 7, name: str = "stats") -> Path:
    rows = [list(HEADERS[lang][:width])] + [list(d[:width]) for d in days]
    if kind == "xlsx":
        return write_xlsx(tmp_path / f"{name}.xlsx", rows)  # real date and number cells
    for row in rows[1:]:
        if isinstance(row[0], date):
            row[0] = f"{row[0].year}/{row[0].month}/{row[0].day}" if lang == "zh" else row[0].isoformat()
    encoding = {"csv": "utf-8", "gb18030": "gb18030"}[kind]
    return write_csv(tmp_path / f"{name}.csv", rows, encoding)


def stats_in_db(session) -> dict[tuple[str, date], tuple]:
    session.expire_all()
    ids = {a.id: a.employee_id for a in session.exec(select(Agent))}
    return {(ids[s.agent_id], s.day): (s.calls, s.talk_seconds, s.members, s.leads_assigned,
                                       s.leads_contacted) for s in session.exec(select(DailyStat))}


def do_import(session, center, path, fmt="daily"):
    return import_stats(session=session, center=center, path=path, fmt=fmt, today=TODAY)


def rejected_rows(rejected: ImportRejected) -> list[tuple[int, list[tuple[str, dict]]]]:
    return [(row.line, [(p.code, p.fields) for p in row.problems]) for row in rejected.rows]


def replaced(days: list[Day], index: int, **fields) -> list[Day]:
    return [d._replace(**fields) if i == index else d for i, d in enumerate(days)]


# --- daily stats -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "gb18030", "xlsx"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_daily_stats_land_in_the_database(session, center, agents, tmp_path, lang, kind):
    path = daily_file(tmp_path, DAYS, lang=lang, kind=kind)

    report = do_import(session, center, path)

    assert report == ImportReport("daily", read=4, added=4, updated=0, unchanged=0, ignored=[])
    assert stats_in_db(session) == STORED


@pytest.mark.parametrize(("calls", "minutes", "stored"), [
    ("60", "150", (60, 9000)),
    ("60.0", "150.5", (60, 9030)),
    ("1,320", "0.25", (1320, 15)),
    (" 61 ", " 61.2 ", (61, 3672)),
    ("0", "0", (0, 0)),
    ("60", "90.01", (60, 5401)),  # 5400.6 seconds
    ("60", "1440", (60, 86400)),
    ("60", "1,440.00", (60, 86400)),
])
def test_talk_minutes_with_decimals_are_stored_as_seconds(session, center, agents, tmp_path, calls,
                                                          minutes, stored):
    path = daily_file(tmp_path, [Day("2026-11-02", "A001", calls, minutes)], width=REQUIRED)

    do_import(session, center, path)

    assert stats_in_db(session) == {("A001", date(2026, 11, 2)): (*stored, None, None, None)}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_same_file_twice_changes_nothing_the_second_time(session, center, agents, tmp_path, kind):
    path = daily_file(tmp_path, DAYS, kind=kind)
    do_import(session, center, path)
    before = database_rows(session)

    report = do_import(session, center, path)

    assert report == ImportReport("daily", read=4, added=0, updated=0, unchanged=4, ignored=[])
    assert database_rows(session) == before


def test_a_corrected_file_updates_only_the_changed_days(session, center, agents, tmp_path):
    do_import(session, center, daily_file(tmp_path, DAYS, name="first"))
    before = {row[1:3]: row for row in database_rows(session)["daily_stat"]}  # by (agent_id, day)
    days = replaced(DAYS, 1, calls=59) + [Day(date(2026, 11, 4), "A001", 61, 150)]

    report = do_import(session, center, daily_file(tmp_path, days, name="second"))

    assert report == ImportReport("daily", read=5, added=1, updated=1, unchanged=3, ignored=[])
    assert stats_in_db(session) == STORED | {
        ("A001", date(2026, 11, 3)): (59, 8415, 28, 90, 60),
        ("A001", date(2026, 11, 4)): (61, 9000, None, None, None),
    }
    after = {row[1:3]: row for row in database_rows(session)["daily_stat"]}
    a001 = agents["A001"].id
    assert {key for key in before if after[key] != before[key]} == {(a001, date(2026, 11, 3))}


def test_a_file_without_the_optional_columns_leaves_them_as_they_were(session, center, agents, tmp_path):
    do_import(session, center, daily_file(tmp_path, DAYS, name="first"))
    days = replaced(DAYS, 0, calls=63)

    report = do_import(session, center, daily_file(tmp_path, days, width=REQUIRED, name="second"))

    assert report == ImportReport("daily", read=4, added=0, updated=1, unchanged=3, ignored=[])
    assert stats_in_db(session) == STORED | {("A001", date(2026, 11, 2)): (63, 9090, 30, 100, 65)}


def test_an_empty_cell_in_a_present_optional_column_clears_it(session, center, agents, tmp_path):
    do_import(session, center, daily_file(tmp_path, DAYS, name="first"))
    days = replaced(DAYS, 0, members=None)

    report = do_import(session, center, daily_file(tmp_path, days, name="second"))

    assert report == ImportReport("daily", read=4, added=0, updated=1, unchanged=3, ignored=[])
    assert stats_in_db(session) == STORED | {("A001", date(2026, 11, 2)): (62, 9090, None, 100, 65)}


def test_short_chinese_headers_and_an_unknown_column(session, center, agents, tmp_path):
    path = write_csv(tmp_path / "stats.csv", [["工号", "日期", "通次", "通时", "会员数", "备注"],
                                                ["A001", "2026年11月2日", "62", "151.5", "30", "早班"]])

    report = do_import(session, center, path)

    assert report == ImportReport("daily", read=1, added=1, ignored=["备注"])
    assert stats_in_db(session) == {("A001", date(2026, 11, 2)): (62, 9090, 30, None, None)}


BAD_DAYS = [  # (row, the problems of that line)
    (Day(date(2026, 11, 2), "A001", 62, 151.5, leads_assigned=100, leads_contacted=65), []),
    (Day(date(2026, 11, 3), "Z999", 60, 150), [("unknown_employee", {"value": "Z999"})]),
    (Day("2026-11-31", "A001", 60, 150), [("not_date", {"column": "date", "value": "2026-11-31"})]),
    (Day(date(2026, 11, 23), "A001", 60, 150), [("future", {"value": "2026-11-23"})]),
    (Day(date(2026, 11, 8), "A002", 60, 150),
     [("before_hire", {"value": "2026-11-08", "hire_date": "2026-11-09"})]),
    (Day(date(2026, 11, 4), "A001", -1, 150), [("not_whole", {"column": "calls", "value": "-1"})]),
    (Day(date(2026, 11, 5), "A001", 60.5, 150), [("not_whole", {"column": "calls", "value": "60.5"})]),
    (Day(date(2026, 11, 6), "A001", 60, "two hours"),
     [("not_number", {"column": "talk_minutes", "value": "two hours"})]),
    (Day(date(2026, 11, 7), "A001", 60, 1440.5),
     [("too_large", {"column": "talk_minutes", "value": "1440.5", "most": 1440})]),
    (Day(date(2026, 11, 2), "A001", 61, 150), [("duplicate", {"other": 2})]),
    (Day(date(2026, 11, 10), "A001", 60, 150, leads_assigned=10, leads_contacted=11),
     [("contacted_over_assigned", {"contacted": 11, "assigned": 10})]),
    (Day(date(2026, 11, 11), "A001", None, 150), [("empty", {"column": "calls"})]),
    (Day(date(2026, 11, 12), "A001", 60, -5), [("negative", {"column": "talk_minutes", "value": "-5"})]),
    (Day(None, None, None, None), []),  # a blank line still counts for the line numbers
    (Day(date(2026, 11, 13), "A001", "many", -1),
     [("not_number", {"column": "calls", "value": "many"}),
      ("negative", {"column": "talk_minutes", "value": "-1"})]),
    (Day(TODAY, "A002", 50, 120), []),  # today is not the future
    (Day(date(2026, 11, 9), "A002", 50, 120), []),  # the hire date itself counts
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_daily_file_with_bad_rows_lists_every_one_and_writes_nothing(session, center, agents,
                                                                       tmp_path, kind):
    add_day(session, agents["A001"], date(2026, 11, 2), 10, 20)
    path = daily_file(tmp_path, [day for day, _ in BAD_DAYS], kind=kind)
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert (rejected.value.code, rejected.value.fields) == ("import.rejected", {"file": path.name, "count": 13})
    assert rejected_rows(rejected.value) == [
        (line, problems) for line, (_, problems) in enumerate(BAD_DAYS, start=2) if problems]
    assert database_rows(session) == before


def test_an_absurd_call_count_is_a_bad_row(session, center, agents, tmp_path):
    # No upper bound on calls: 10**20 overflows SQLite's INTEGER (and 3e9 PostgreSQL's) mid-write.
    path = daily_file(tmp_path, [Day("2026-11-02", "A001", "100000000000000000000", "150")], width=REQUIRED)
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert [(row.line, [p.code for p in row.problems]) for row in rejected.value.rows] == [(2, ["too_large"])]
    assert database_rows(session) == before


# --- talk time written as H:MM:SS ------------------------------------------------------------------

TALK = "通话时长（分钟）"  # how the Chinese daily header names talk_minutes


@pytest.mark.parametrize(("minutes", "seconds"), [
    ("2:30:00", 9000),  # 2 h 30 min = 150 min
    ("02:30:00", 9000),
    ("0:02:15", 135),  # 2 min 15 s
    ("10:05:30", 36330),  # 36,000 + 300 + 30
    ("1:00:01", 3601),
    ("0:00:00", 0),
    ("24:00:00", 86400),  # the most a day holds
    ("2：30：00", 9000),  # full-width colons, as a Chinese input method types them
    ("151.5", 9090),  # minutes with decimals stay minutes
])
def test_daily_talk_time_as_hours_minutes_and_seconds(session, center, agents, tmp_path, minutes, seconds):
    path = daily_file(tmp_path, [Day("2026-11-02", "A001", "60", minutes)], lang="zh", width=REQUIRED)

    do_import(session, center, path)

    assert stats_in_db(session) == {("A001", date(2026, 11, 2)): (60, seconds, None, None, None)}


def test_daily_talk_time_as_spreadsheet_duration_cells(session, center, agents, tmp_path):
    days = [
        Day(date(2026, 11, 2), "A001", 62, time(2, 30)),  # a time cell: 9,000 s
        Day(date(2026, 11, 3), "A001", 58, time(1, 2, 3)),  # 3,600 + 120 + 3 = 3,723 s
        Day(date(2026, 11, 4), "A001", 60, timedelta(hours=2, minutes=30, seconds=15)),  # [h]:mm:ss: 9,015 s
        Day(date(2026, 11, 5), "A001", 60, timedelta(hours=24)),  # 86,400 s
        Day(date(2026, 11, 9), "A002", 40, 95.25),  # a number cell stays minutes: 5,715 s
    ]
    path = daily_file(tmp_path, days, lang="zh", kind="xlsx", width=REQUIRED)

    report = do_import(session, center, path)

    assert report == ImportReport("daily", read=5, added=5, updated=0, unchanged=0, ignored=[])
    assert {key: row[1] for key, row in stats_in_db(session).items()} == {
        ("A001", date(2026, 11, 2)): 9000, ("A001", date(2026, 11, 3)): 3723,
        ("A001", date(2026, 11, 4)): 9015, ("A001", date(2026, 11, 5)): 86400,
        ("A002", date(2026, 11, 9)): 5715,
    }


@pytest.mark.parametrize(("minutes", "problem"), [
    ("2:30", ("ambiguous_minutes", {"column": TALK, "value": "2:30"})),
    ("150:00", ("ambiguous_minutes", {"column": TALK, "value": "150:00"})),
    ("2:75:00", ("not_duration_minutes", {"column": TALK, "value": "2:75:00"})),
    ("2:30:60", ("not_duration_minutes", {"column": TALK, "value": "2:30:60"})),
    ("2:3:00", ("not_duration_minutes", {"column": TALK, "value": "2:3:00"})),
    ("1:02:03:04", ("not_duration_minutes", {"column": TALK, "value": "1:02:03:04"})),
    ("2:30:00.5", ("not_duration_minutes", {"column": TALK, "value": "2:30:00.5"})),
    ("-0:10:00", ("not_duration_minutes", {"column": TALK, "value": "-0:10:00"})),
    ("2h30m", ("not_number", {"column": TALK, "value": "2h30m"})),
    ("150:00:00", ("too_large", {"column": TALK, "value": "150:00:00", "most": 1440})),  # 9,000 min
    ("24:00:01", ("too_large", {"column": TALK, "value": "24:00:01", "most": 1440})),
])
def test_a_bad_daily_duration_is_a_bad_row_with_its_reason(session, center, agents, tmp_path, minutes,
                                                           problem):
    path = daily_file(tmp_path, [Day("2026-11-02", "A001", "60", minutes)], lang="zh", width=REQUIRED)
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [(2, [problem])]
    assert database_rows(session) == before


@pytest.mark.parametrize(("cell", "problem"), [
    (timedelta(hours=150), ("too_large", {"column": TALK, "value": "150:00:00", "most": 1440})),
    (timedelta(minutes=-10), ("negative", {"column": TALK, "value": "-0:10:00"})),
    (datetime(2026, 11, 2, 2, 30), ("not_duration_minutes", {"column": TALK, "value": "2026-11-02 02:30:00"})),
])
def test_a_bad_duration_cell_is_a_bad_row_and_the_good_rows_wait(session, center, agents, tmp_path, cell,
                                                                 problem):
    days = [Day(date(2026, 11, 2), "A001", 62, time(2, 30)), Day(date(2026, 11, 3), "A001", 58, cell)]
    path = daily_file(tmp_path, days, lang="zh", kind="xlsx", width=REQUIRED)
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [(3, [problem])]
    assert database_rows(session) == before


@pytest.mark.parametrize(("code", "en", "zh"), [
    ("ambiguous_minutes",
     "通话时长 '2:30' could be hours and minutes or minutes and seconds: write H:MM:SS (2:30:00 or 0:02:30), "
     "or the minutes (150 or 2.5)",
     "通话时长“2:30”分不清是时:分还是分:秒：请写成 时:分:秒（2:30:00 或 0:02:30），或写分钟数（150 或 2.5）"),
    ("not_duration_minutes",
     "通话时长 '2:30' is not a length of time: write H:MM:SS with minutes and seconds under 60 (2:30:00 for "
     "two and a half hours), or the minutes (150)",
     "通话时长“2:30”不是时长：请写成 时:分:秒，分和秒小于 60（2:30:00 即两个半小时），或写分钟数（150）"),
    ("ambiguous_seconds",
     "通话时长 '2:30' could be hours and minutes or minutes and seconds: write H:MM:SS (2:30:00 or 0:02:30), "
     "or the seconds (9000 or 150)",
     "通话时长“2:30”分不清是时:分还是分:秒：请写成 时:分:秒（2:30:00 或 0:02:30），或写秒数（9000 或 150）"),
    ("not_duration_seconds",
     "通话时长 '2:30' is not a length of time: write H:MM:SS with minutes and seconds under 60 (0:03:15 for "
     "3 minutes 15 seconds), or the seconds (195)",
     "通话时长“2:30”不是时长：请写成 时:分:秒，分和秒小于 60（0:03:15 即 3 分 15 秒），或写秒数（195）"),
])
def test_a_duration_reason_reads_in_both_languages(code, en, zh):
    problem = CellError(code, column="通话时长", value="2:30")

    assert (describe(problem, "en", "import.reason."), describe(problem, "zh-CN", "import.reason.")) == (en, zh)


# --- call detail records ------------------------------------------------------------------------

CALLS = [
    ("A001", "2026-11-02T09:00:00+08:00", 120),
    ("A001", "2026-11-02 14:30:00", 300),  # naive: the center's local time
    ("A001", "2026-11-02T17:30:00Z", 60),  # 01:30 on 3 November in Shanghai
    ("A001", "2026-11-02T15:59:59Z", 30),  # 23:59:59 on 2 November in Shanghai
    ("A002", "2026/11/10 08:00:00", 200),
    ("A002", "2026-11-10T00:15:00+00:00", 100),
]
CALL_DAYS = {
    ("A001", date(2026, 11, 2)): (3, 450, None, None, None),
    ("A001", date(2026, 11, 3)): (1, 60, None, None, None),
    ("A002", date(2026, 11, 10)): (2, 300, None, None, None),
}
CDR_HEADERS = {"en": ("employee_id", "started_at", "talk_seconds"), "zh": ("工号", "开始时间", "通话时长")}


def cdr_file(tmp_path: Path, calls, *, lang: str = "en", kind: str = "csv", name: str = "calls") -> Path:
    rows = [CDR_HEADERS[lang], *calls]
    if kind == "xlsx":
        return write_xlsx(tmp_path / f"{name}.xlsx", rows)
    return write_csv(tmp_path / f"{name}.csv", rows)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_call_records_are_summed_per_agent_and_local_day(session, center, agents, tmp_path, lang, kind):
    report = do_import(session, center, cdr_file(tmp_path, CALLS, lang=lang, kind=kind), fmt="cdr")

    assert report == ImportReport("cdr", read=6, added=3, updated=0, unchanged=0, ignored=[])
    assert stats_in_db(session) == CALL_DAYS


@pytest.mark.parametrize(("started_at", "day"), [
    ("2026-11-03T01:30:00+08:00", date(2026, 11, 3)),
    ("2026-11-02T17:30:00Z", date(2026, 11, 3)),
    ("2026-11-02T17:30:00+00:00", date(2026, 11, 3)),
    ("2026-11-02T12:30:00-05:00", date(2026, 11, 3)),
    ("2026-11-02T15:59:59Z", date(2026, 11, 2)),
    ("2026-11-02T16:00:00Z", date(2026, 11, 3)),
    ("2026-11-02 23:59:59", date(2026, 11, 2)),
    ("2026-11-03 00:00:00", date(2026, 11, 3)),
    ("2026/11/03 08:00", date(2026, 11, 3)),
    (datetime(2026, 11, 2, 23, 30), date(2026, 11, 2)),  # a spreadsheet time cell: local
])
def test_the_day_a_call_counts_on_is_its_day_in_shanghai(session, center, agents, tmp_path, started_at, day):
    kind = "xlsx" if isinstance(started_at, datetime) else "csv"
    path = cdr_file(tmp_path, [("A001", started_at, 90)], kind=kind)

    do_import(session, center, path, fmt="cdr")

    assert stats_in_db(session) == {("A001", day): (1, 90, None, None, None)}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_call_talk_time_as_hours_minutes_and_seconds(session, center, agents, tmp_path, kind):
    seconds = {  # each call's talk time as the file writes it, by kind
        "csv": ["0:03:15", "00:03:15", "45", "1:02:03", "0：00：59"],
        "xlsx": [time(0, 3, 15), timedelta(minutes=3, seconds=15), 45, timedelta(hours=1, minutes=2, seconds=3),
                 time(0, 0, 59)],
    }[kind]
    starts = ["2026-11-02 09:00:00", "2026-11-02 09:10:00", "2026-11-02 09:20:00", "2026-11-10 08:00:00",
              "2026-11-10 09:00:00"]
    calls = [(employee, start, talk) for employee, start, talk in zip(["A001"] * 3 + ["A002"] * 2, starts, seconds)]

    do_import(session, center, cdr_file(tmp_path, calls, lang="zh", kind=kind), fmt="cdr")

    assert stats_in_db(session) == {
        ("A001", date(2026, 11, 2)): (3, 195 + 195 + 45, None, None, None),  # 435 s
        ("A002", date(2026, 11, 10)): (2, 3723 + 59, None, None, None),  # 3,782 s
    }


def test_a_call_duration_cell_is_rounded_to_the_second(session, center, agents, tmp_path):
    calls = [("A001", "2026-11-02 09:00:00", time(0, 3, 15, 400000)),  # 195.4 s
             ("A001", "2026-11-02 10:00:00", timedelta(seconds=59, milliseconds=600))]  # 59.6 s
    do_import(session, center, cdr_file(tmp_path, calls, lang="zh", kind="xlsx"), fmt="cdr")

    assert stats_in_db(session) == {("A001", date(2026, 11, 2)): (2, 195 + 60, None, None, None)}


@pytest.mark.parametrize(("talk", "problem"), [
    ("3:15", ("ambiguous_seconds", {"column": "通话时长", "value": "3:15"})),
    ("0:03:75", ("not_duration_seconds", {"column": "通话时长", "value": "0:03:75"})),
    ("0:3:15", ("not_duration_seconds", {"column": "通话时长", "value": "0:3:15"})),
    ("25:00:00", ("too_large", {"column": "通话时长", "value": "25:00:00", "most": 86400})),  # 90,000 s
    (timedelta(hours=25), ("too_large", {"column": "通话时长", "value": "25:00:00", "most": 86400})),
    (datetime(2026, 11, 2, 0, 3, 15),
     ("not_duration_seconds", {"column": "通话时长", "value": "2026-11-02 00:03:15"})),
])
def test_a_bad_call_duration_is_a_bad_row_with_its_reason(session, center, agents, tmp_path, talk, problem):
    kind = "csv" if isinstance(talk, str) else "xlsx"
    calls = [("A001", "2026-11-02 09:00:00", "0:03:15" if kind == "csv" else time(0, 3, 15)),
             ("A001", "2026-11-02 10:00:00", talk)]
    path = cdr_file(tmp_path, calls, lang="zh", kind=kind)
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path, fmt="cdr")

    assert rejected_rows(rejected.value) == [(3, [problem])]
    assert database_rows(session) == before


def test_the_same_call_records_twice_change_nothing_the_second_time(session, center, agents, tmp_path):
    path = cdr_file(tmp_path, CALLS)
    do_import(session, center, path, fmt="cdr")
    before = database_rows(session)

    report = do_import(session, center, path, fmt="cdr")

    assert report == ImportReport("cdr", read=6, added=0, updated=0, unchanged=3, ignored=[])
    assert database_rows(session) == before


def test_call_records_leave_the_members_of_a_day_untouched(session, center, agents, tmp_path):
    do_import(session, center, daily_file(tmp_path, DAYS))
    calls = [("A001", "2026-11-02T09:00:00+08:00", 300), ("A001", "2026-11-02T10:00:00+08:00", 120)]

    report = do_import(session, center, cdr_file(tmp_path, calls), fmt="cdr")

    assert report == ImportReport("cdr", read=2, added=0, updated=1, unchanged=0, ignored=[])
    assert stats_in_db(session) == STORED | {("A001", date(2026, 11, 2)): (2, 420, 30, 100, 65)}


BAD_CALLS = [  # (row, the problems of that line)
    (("A001", "2026-11-03T01:30:00+08:00", 60), []),
    (("A001", "2026-11-02T17:30:00Z", 90), [("duplicate_call", {"other": 2})]),  # the same moment
    (("A001", "2026-11-03 01:30:00", 30), [("duplicate_call", {"other": 2})]),  # and again, local
    (("Z999", "2026-11-03T09:00:00+08:00", 60), [("unknown_employee", {"value": "Z999"})]),
    (("A001", "3 Nov 09:00", 60), [("not_moment", {"column": "started_at", "value": "3 Nov 09:00"})]),
    (("A001", "2026-11-03T09:00:00+08:00", 86401),
     [("too_large", {"column": "talk_seconds", "value": "86401", "most": 86400})]),
    (("A001", "2026-11-03T10:00:00+08:00", -3), [("not_whole", {"column": "talk_seconds", "value": "-3"})]),
    (("A001", "2026-11-22T16:30:00Z", 60), [("future", {"value": "2026-11-23"})]),
    (("A002", "2026-11-08T23:59:00+08:00", 60),
     [("before_hire", {"value": "2026-11-08", "hire_date": "2026-11-09"})]),
    (("A002", "2026-11-08T16:30:00Z", 60), []),  # 00:30 on the hire date in Shanghai
    (("A001", None, 60), [("empty", {"column": "started_at"})]),
]


def test_call_records_with_bad_rows_list_every_one_and_write_nothing(session, center, agents, tmp_path):
    add_day(session, agents["A001"], date(2026, 11, 3), 10, 20)
    path = cdr_file(tmp_path, [row for row, _ in BAD_CALLS])
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path, fmt="cdr")

    assert (rejected.value.code, rejected.value.fields) == ("import.rejected", {"file": "calls.csv", "count": 9})
    assert rejected_rows(rejected.value) == [
        (line, problems) for line, (_, problems) in enumerate(BAD_CALLS, start=2) if problems]
    assert database_rows(session) == before


def test_a_title_row_above_the_header_is_passed_over(session, center, agents, tmp_path):
    # Exports from call-center systems often start with a title and a blank line.
    path = write_csv(tmp_path / "stats.csv", [
        ["2026年11月话务日报"], [],
        ["日期", "工号", "通话次数", "通话时长"],
        ["2026-11-10", "A001", "61", "152"],
    ])

    assert do_import(session, center, path).added == 1
    assert stats_in_db(session) == {("A001", date(2026, 11, 10)): (61, 9120, None, None, None)}


def test_a_bad_row_is_named_by_the_line_it_starts_on(session, center, agents, tmp_path):
    path = tmp_path / "stats.csv"
    path.write_text('date,employee_id,calls,talk_minutes,note\n'
                    '2026-11-10,A001,61,152,"two\nlines"\n'
                    '2026-11-10,A002,x,10,\n', encoding="utf-8")

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert [row.line for row in rejected.value.rows] == [4]


def test_call_records_adding_up_to_more_than_a_day_are_a_bad_row(session, center, agents, tmp_path):
    twelve_hours = 12 * 3600
    path = cdr_file(tmp_path, [("A001", "2026-11-10 08:00:00", twelve_hours),
                               ("A001", "2026-11-10 09:00:00", twelve_hours),
                               ("A001", "2026-11-10 10:00:00", 1)])

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path, fmt="cdr")

    assert rejected_rows(rejected.value) == [
        (4, [("day_over_24h", {"employee_id": "A001", "day": "2026-11-10"})])]
    assert stats_in_db(session) == {}


# --- rows the checks used to miss -----------------------------------------------------------------


def test_a_row_repeating_a_bad_row_is_reported_with_it(session, center, agents, tmp_path):
    path = daily_file(tmp_path, [Day("2026-11-02", "A001", -1, 10), Day("2026-11-02", "A001", 6, 10)],
                      width=REQUIRED)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [
        (2, [("not_whole", {"column": "calls", "value": "-1"})]),
        (3, [("duplicate", {"other": 2})]),
    ]


def test_a_call_repeating_a_bad_call_is_reported_with_it(session, center, agents, tmp_path):
    path = cdr_file(tmp_path, [("A001", "2026-11-03 09:00:00", "x"), ("A001", "2026-11-03 09:00:00", 60)])

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path, fmt="cdr")

    assert rejected_rows(rejected.value) == [
        (2, [("not_number", {"column": "talk_seconds", "value": "x"})]),
        (3, [("duplicate_call", {"other": 2})]),
    ]


def test_a_row_with_more_cells_than_the_header_is_a_bad_row(session, center, agents, tmp_path):
    path = write_csv(tmp_path / "stats.csv", [["date", "employee_id", "calls", "talk_minutes"],
                                                ["2026-11-02", "A001", "6", "10", "7"],
                                                ["2026-11-03", "A001", "6", "10", "", ""]])  # blank: fine

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [(2, [("extra_cells", {"values": "7"})])]


@pytest.mark.parametrize(("calls", "minutes", "problem"), [
    ("1e3", "10", ("not_whole", {"column": "calls", "value": "1e3"})),
    ("6E1", "10", ("not_whole", {"column": "calls", "value": "6E1"})),
    ("1_000", "10", ("not_whole", {"column": "calls", "value": "1_000"})),
    ("60", "1.5e2", ("not_number", {"column": "talk_minutes", "value": "1.5e2"})),
])
def test_a_number_in_float_syntax_is_a_bad_row(session, center, agents, tmp_path, calls, minutes, problem):
    path = daily_file(tmp_path, [Day("2026-11-02", "A001", calls, minutes)], width=REQUIRED)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [(2, [problem])]


def test_a_formula_saved_without_its_value_is_told_from_an_empty_cell(session, center, agents, tmp_path):
    # openpyxl writes formulas without computing them; Excel saves the value beside the formula.
    path = daily_file(tmp_path, [Day(date(2026, 11, 2), "A001", "=1+1", None)], width=REQUIRED, kind="xlsx")

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [
        (2, [("formula", {"column": "calls", "value": "=1+1"}), ("empty", {"column": "talk_minutes"})])]
