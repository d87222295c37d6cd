"""`kpibot roster import` and `kpibot stats import` through bot.cli.main: what the operator reads
on stdout and stderr, in English and Chinese, and the exit code. Also the progress callback."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.sources.stats import import_stats
from factories import add_agent
from files import database_rows, write_csv, write_xlsx

ROSTER = [
    ["employee_id", "name", "team", "role", "hire_date"],
    ["A001", "王芳", "一组", "agent", "2024-03-01"],
    ["A002", "李雷", "一组", "agent", "2026-11-09"],
    ["L001", "张伟", "一组", "lead", "2019-05-20"],
]
STATS = [
    ["date", "employee_id", "calls", "talk_minutes"],
    ["2026-11-20", "A001", "62", "151.5"],
    ["2026-11-20", "A002", "40", "95"],
    ["2026-11-21", "A001", "58", "140.25"],
    ["2026-11-21", "A002", "52", "121.75"],
]
BAD_STATS = [
    ["date", "employee_id", "calls", "talk_minutes"],
    ["2026-11-20", "A001", "62", "151.5"],
    ["2026-11-20", "Z999", "60", "150"],
    ["2026-11-23", "A001", "60", "150"],
    ["2026-11-21", "A002", "-1", "abc"],
]
BAD_ROSTER = [
    ["工号", "姓名", "班组", "角色", "入职日期"],
    ["A003", "陈静", "二组", "客服", "2025-07-01"],
    ["A004", "刘洋", "二组", "boss", "2023-02-01"],
    ["A003", "陈静", "二组", "客服", "2025-07-01"],
]


@pytest.fixture
def kpibot(kpibot):
    """The command line at 10:00 on 22 November 2026 in Shanghai."""
    kpibot.at = "2026-11-22T02:00:00Z"
    return kpibot


@pytest.fixture
def roster(kpibot, tmp_path):
    path = write_csv(tmp_path / "roster.csv", ROSTER)
    assert kpibot("roster", "import", str(path))[0] == 0
    return path


def test_roster_then_stats_import_print_their_summaries(kpibot, tmp_path):
    roster = write_csv(tmp_path / "roster.csv", ROSTER)
    stats = write_xlsx(tmp_path / "stats.xlsx", STATS)

    assert kpibot("roster", "import", str(roster)) == (
        0, "roster.csv: read 3 rows: 3 added, 0 updated, 0 unchanged.\n", "")
    assert kpibot("stats", "import", str(stats)) == (
        0, "stats.xlsx: read 4 rows: 4 added, 0 updated, 0 unchanged.\n", "")
    assert kpibot("stats", "import", str(stats)) == (
        0, "stats.xlsx: read 4 rows: 0 added, 0 updated, 4 unchanged.\n", "")
    assert kpibot("roster", "import", str(roster)) == (
        0, "roster.csv: read 3 rows: 0 added, 0 updated, 3 unchanged.\n", "")


def test_the_summaries_in_chinese(kpibot, roster, tmp_path, monkeypatch):
    monkeypatch.setenv("KPIBOT_LOCALE", "zh-CN")
    stats = write_csv(tmp_path / "stats.csv", STATS[:3] + [["2026-11-20", "L001", "0", "0"]])

    assert kpibot("roster", "import", str(roster)) == (0, "roster.csv：读取 3 行，新增 0，更新 0，未变 3。\n", "")
    assert kpibot("stats", "import", str(stats)) == (0, "stats.csv：读取 3 行，新增 3，更新 0，未变 0。\n", "")


def test_a_call_record_import_counts_calls_and_agent_days(kpibot, roster, tmp_path):
    calls = write_csv(tmp_path / "calls.csv", [
        ["employee_id", "started_at", "talk_seconds"],
        ["A001", "2026-11-20T09:00:00+08:00", "120"],
        ["A001", "2026-11-20T01:30:00Z", "60"],
        ["A002", "2026-11-20 10:00:00", "300"],
    ])

    assert kpibot("stats", "import", str(calls), "--format", "cdr") == (
        0, "calls.csv: read 3 calls into 2 agent-days: 2 added, 0 updated, 0 unchanged.\n", "")


def test_ignored_columns_are_named_after_the_summary(kpibot, tmp_path):
    path = write_csv(tmp_path / "roster.csv", [ROSTER[0] + ["备注", "Shift"], ROSTER[1] + ["夜班", "night"],
                                                 ROSTER[2] + ["", ""]])

    assert kpibot("roster", "import", str(path)) == (
        0, "roster.csv: read 2 rows: 2 added, 0 updated, 0 unchanged.\nColumns not imported: 备注, Shift.\n", "")


def test_the_center_s_today_decides_what_is_the_future(kpibot, roster, tmp_path):
    path = write_csv(tmp_path / "stats.csv", [STATS[0], ["2026-11-23", "A001", "3", "4.5"],
                                                ["2026-11-23", "A002", "2", "3"]])

    # 16:30 UTC on the 22nd is 00:30 on the 23rd in Shanghai.
    assert kpibot("stats", "import", str(path), at="2026-11-22T16:30:00Z") == (
        0, "stats.csv: read 2 rows: 2 added, 0 updated, 0 unchanged.\n", "")


@pytest.mark.parametrize(("locale", "stderr"), [
    ("en", "stats.csv: 3 bad rows, so nothing was imported. Correct the lines below and import the file again:\n"
           "  line 3: employee Z999 is not on the roster (import the roster first: kpibot roster import FILE)\n"
           "  line 4: date 2026-11-23 is in the future\n"
           "  line 5: calls '-1' is not a whole number of 0 or more; talk_minutes 'abc' is not a number\n"),
    ("zh-CN", "stats.csv：有 3 行有误，未导入任何数据。请修正后重新导入：\n"
              "  第 3 行：工号 Z999 不在花名册中（请先导入花名册：kpibot roster import FILE）\n"
              "  第 4 行：日期 2026-11-23 晚于今天\n"
              "  第 5 行：calls“-1”不是大于等于 0 的整数；talk_minutes“abc”不是数字\n"),
])
def test_a_bad_stats_file_lists_every_bad_line_and_changes_nothing(kpibot, roster, session, tmp_path,
                                                                   monkeypatch, locale, stderr):
    assert kpibot("stats", "import", str(write_csv(tmp_path / "first.csv", STATS)))[0] == 0
    before = database_rows(session)
    monkeypatch.setenv("KPIBOT_LOCALE", locale)

    assert kpibot("stats", "import", str(write_csv(tmp_path / "stats.csv", BAD_STATS))) == (1, "", stderr)
    assert database_rows(session) == before


@pytest.mark.parametrize(("locale", "stderr"), [
    ("en", "roster.xlsx: 2 bad rows, so nothing was imported. Correct the lines below and import the file again:\n"
           "  line 3: 角色 'boss' is not one of agent, lead, manager, admin\n"
           "  line 4: 工号 A003 repeats line 2\n"),
    ("zh-CN", "roster.xlsx：有 2 行有误，未导入任何数据。请修正后重新导入：\n"
              "  第 3 行：角色“boss”不在可选值中：agent, lead, manager, admin\n"
              "  第 4 行：工号 A003 与第 2 行重复\n"),
])
def test_a_bad_roster_lists_every_bad_line_and_changes_nothing(kpibot, roster, session, tmp_path,
                                                               monkeypatch, locale, stderr):
    before = database_rows(session)
    monkeypatch.setenv("KPIBOT_LOCALE", locale)

    assert kpibot("roster", "import", str(write_xlsx(tmp_path / "roster.xlsx", BAD_ROSTER))) == (1, "", stderr)
    assert database_rows(session) == before


def test_one_bad_row_is_one_bad_row(kpibot, roster, tmp_path):
    code, out, err = kpibot("stats", "import", str(write_csv(tmp_path / "stats.csv", BAD_STATS[:3])))

    assert (code, out, err.splitlines()[1:]) == (1, "", [
        "  line 3: employee Z999 is not on the roster (import the roster first: kpibot roster import FILE)"])
    assert err.splitlines()[0].startswith("stats.csv: 1 bad row,")  # not "1 bad rows"


@pytest.mark.parametrize(("locale", "line"), [
    ("en", "  line 2: calls '=2*30' is a formula with no saved value: open the file in Excel and save it; "
           "more cells than the header has columns (x to the right of the last one)"),
    ("zh-CN", "  第 2 行：calls“=2*30”是没有保存计算结果的公式：请用 Excel 打开该文件并保存；"
              "单元格比表头的列多（最后一列右侧还有 x）"),
])
def test_a_formula_without_a_value_and_a_cell_too_many_are_named(kpibot, roster, tmp_path, monkeypatch,
                                                                 locale, line):
    monkeypatch.setenv("KPIBOT_LOCALE", locale)
    path = write_xlsx(tmp_path / "stats.xlsx", [STATS[0], ["2026-11-20", "A001", "=2*30", "150", "x"]])

    code, out, err = kpibot("stats", "import", str(path))

    assert (code, out, err.splitlines()[1:]) == (1, "", [line])


def test_an_agent_turned_inactive_keeps_the_months_they_worked(kpibot, tmp_path):
    people = [ROSTER[0] + ["active"], ROSTER[1] + ["yes"], ["A003", "陈静", "一组", "agent", "2024-03-01", "yes"]]
    kpibot("roster", "import", str(write_csv(tmp_path / "roster.csv", people)))
    kpibot("stats", "import", str(write_csv(tmp_path / "stats.csv", [
        STATS[0], ["2026-10-09", "A001", "60", "150"], ["2026-10-09", "A003", "30", "60"]])))
    october = kpibot("stats", "show", "A001", "--date", "2026-10")
    assert "Rank 1 of 2 by attainment." in october[1]
    people[2][5] = "no"
    roster = write_csv(tmp_path / "roster.csv", people)

    assert kpibot("roster", "import", str(roster)) == (0, (
        "roster.csv: read 2 rows: 0 added, 1 updated, 1 unchanged.\n"
        "Inactive with no leave date, so recorded as leaving on Sat 21 Nov: A003. The months they worked "
        "keep them; to record another day, fill in leave_date.\n"), "")
    assert kpibot("stats", "show", "A001", "--date", "2026-10") == october
    assert kpibot("stats", "show", "A003", "--date", "2026-10")[0] == 0
    assert kpibot("roster", "import", str(roster)) == (
        0, "roster.csv: read 2 rows: 0 added, 0 updated, 2 unchanged.\n", "")


def _missing_file(tmp_path):
    return tmp_path / "nowhere.csv"


def _xlsx_named_csv(tmp_path):
    return write_xlsx(tmp_path / "stats.xlsx", STATS).rename(tmp_path / "stats.csv")


def _no_calls_column(tmp_path):
    return write_csv(tmp_path / "stats.csv", [["日期", "工号", "通话时长"], ["2026-11-20", "A001", "150"]])


@pytest.mark.parametrize(("make", "locale", "stderr"), [
    (_missing_file, "en", "No file {path}: check the path.\n"),
    (_missing_file, "zh-CN", "找不到文件 {path}：请检查路径。\n"),
    (_xlsx_named_csv, "en", "stats.csv is not a CSV file: save it as CSV (UTF-8) or .xlsx and import it again.\n"),
    (_xlsx_named_csv, "zh-CN", "stats.csv 不是 CSV 文件：请另存为 CSV（UTF-8）或 .xlsx 后重新导入。\n"),
    (_no_calls_column, "en", "stats.csv: missing columns calls (通话次数). "
                             "The first row must name them (English or Chinese headers).\n"),
    (_no_calls_column, "zh-CN", "stats.csv：缺少列 calls (通话次数)。第一行表头须包含这些列（中英文均可）。\n"),
])
def test_a_file_that_cannot_be_imported_is_one_line_on_stderr(kpibot, roster, session, tmp_path,
                                                              monkeypatch, make, locale, stderr):
    path = make(tmp_path)
    before = database_rows(session)
    monkeypatch.setenv("KPIBOT_LOCALE", locale)

    assert kpibot("stats", "import", str(path)) == (1, "", stderr.format(path=path))
    assert database_rows(session) == before


# --- progress -------------------------------------------------------------------------------------


def test_progress_is_reported_once_for_a_small_file(session, center, tmp_path):
    add_agent(session, "A001")
    seen = []

    import_stats(session=session, center=center, path=write_csv(tmp_path / "stats.csv", STATS[:2] + STATS[3:4]),
                 today=date(2026, 11, 22), progress=lambda done, total: seen.append((done, total)))

    assert seen == [(2, 2)]


def test_progress_is_reported_every_thousand_rows_and_at_the_end(session, center, tmp_path):
    employees = [f"E{n:03}" for n in range(25)]
    for employee_id in employees:
        add_agent(session, employee_id)
    days = [date(2026, 9, 1) + timedelta(days=n) for n in range(81)]  # 1 September to 20 November
    path = write_csv(tmp_path / "stats.csv", [STATS[0]] + [[day.isoformat(), e, "60", "150"]
                                                           for e in employees for day in days])
    seen = []

    report = import_stats(session=session, center=center, path=path, today=date(2026, 11, 22),
                          progress=lambda done, total: seen.append((done, total)))

    assert seen == [(1000, 2025), (2000, 2025), (2025, 2025)]
    assert (report.read, report.added) == (2025, 2025)
