"""kpibot export month: one row per agent for payroll, as CSV (UTF-8 with a BOM, for Excel) or
XLSX, in English or Chinese, on the rounds' center (tests/rounds_world.py) in November 2026."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import Session, select

from bot.store.models import Agent, DailyStat
from rounds_world import kpibot, world  # noqa: F401

DECEMBER = "2026-12-06 10:00:00+08:00"


@pytest.fixture
def members(world):  # noqa: F811
    """A001 developed 700 members over November (50 on each of 14 days), A002 560."""
    with Session(world.engine) as session:
        for employee_id, each in (("A001", 50), ("A002", 40)):
            agent = session.exec(select(Agent).where(Agent.employee_id == employee_id)).one()
            days = session.exec(select(DailyStat.id).where(DailyStat.agent_id == agent.id)
                                .order_by(DailyStat.day).limit(14)).all()
            session.execute(update(DailyStat).where(DailyStat.id.in_(days)).values(members=each))
        session.commit()
    return world


def read_csv(path) -> list[dict[str, str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with its BOM as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as source:
        return list(csv.DictReader(source))


def test_a_closed_month_as_csv(members, kpibot, tmp_path):  # noqa: F811
    assert kpibot("export", "month", "2026-11", at=DECEMBER) == \
        (0, "Wrote 2026-11 for payroll: 7 people to kpibot-2026-11.csv.\n", "")
    rows = {row["employee_id"]: row for row in read_csv(tmp_path / "kpibot-2026-11.csv")}
    assert sorted(rows) == ["A001", "A002", "A003", "A004", "A005", "A006", "A007"]  # A008 left
    assert rows["A001"] == {
        "employee_id": "A001", "name": "Wang Fang", "team": "Alpha", "tier": "veteran", "days_assessed": "21",
        "calls": "930", "calls_quota": "1260", "talk_minutes": "2272", "talk_minutes_quota": "3150",
        "attainment_pct": "73.0", "basic_met": "no", "members": "700", "members_target": "700",
        "incentive_met": "yes", "outcome": "incentive met only: incentive bonus, base pay reduced",
        "base_pay_cut": "100", "score": "100", "rank": "1", "entries": "", "retraining": "no",
        "level_review": ""}
    assert (rows["A002"]["members"], rows["A002"]["outcome"], rows["A002"]["base_pay_cut"]) == \
        ("560", "neither met: pay by the basic quota's attainment", "0")
    assert rows["A002"]["entries"] == "-2 Late (10 Nov, Xu Chen)"
    assert rows["A006"]["entries"] == "-5 Refused an assignment (12 Nov, Sun Li); +1 Praised by a customer's call " \
                                      "(13 Nov, Sun Li)"
    assert rows["A006"]["score"] == "96"
    assert rows["A003"]["tier"] == "new hire" and rows["A003"]["days_assessed"] == "5"  # hired 17 Nov, exempt to the 23rd


def test_in_chinese_as_xlsx_numbers_stay_numbers(members, kpibot, tmp_path):  # noqa: F811
    assert kpibot("export", "month", "2026-11", "--format", "xlsx", "--locale", "zh-CN", "--output", "十一月.xlsx",
                  at=DECEMBER) == (0, "已导出 2026-11 的工资数据：7 人，写入 十一月.xlsx。\n", "")
    sheet = load_workbook(tmp_path / "十一月.xlsx").active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:6] == ["工号", "姓名", "班组", "类别", "考核天数", "通话次数"]
    a001 = dict(zip(header, rows[0]))
    assert (a001["工号"], a001["通话次数"], a001["达成率(%)"], a001["结果"], a001["基本工资扣减"], a001["排名"]) == \
        ("A001", 930, 73.0, "仅激励量达成：激励奖金，基本工资扣减", 100, 1)
    assert dict(zip(header, rows[1]))["加减分明细"] == "-2 迟到（11月10日，Xu Chen）"
    assert sheet.title == "2026-11"


def test_the_month_so_far_says_so(world, kpibot, tmp_path):  # noqa: F811
    code, out, _ = kpibot("export", "month", "2026-11", at="2026-11-23 10:00:00+08:00")
    assert (code, out) == (0, "Wrote 2026-11 so far (as of 2026-11-23; the month is not over) for payroll: "
                              "7 people to kpibot-2026-11.csv.\n")


@pytest.mark.parametrize(("args", "line"), [
    (("2026-13",), "'2026-13' is not a month: use YYYY-MM."),
    (("2027-01",), None),
    (("2026-11", "--output", "no/such/folder/x.csv"),
     "Could not write no/such/folder/x.csv: No such file or directory. Name another file with --output."),
])
def test_a_bad_month_or_file_is_one_line_and_writes_nothing(world, kpibot, tmp_path, args, line):  # noqa: F811
    code, out, err = kpibot("export", "month", *args, at=DECEMBER)
    assert (code, out, err.count("\n")) == (1, "", 1)
    if line:
        assert err == line + "\n"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".csv", ".xlsx", ".part")] == []
