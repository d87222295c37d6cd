"""`kpibot stats show`: the /mystats text for one agent, from the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

import scenario
from bot.store import queries
from bot.store.models import StatsPull
from bot.usecases.days import nudges


@pytest.fixture
def cli(kpibot, session):
    """The command line on the scenario's center."""
    scenario.build(session)
    return kpibot


def test_shows_the_day_and_the_month_worked_out_by_hand(cli):
    code, out, err = cli("stats", "show", "A001", "--date", "2026-11-04")
    assert (code, err) == (0, "")
    # Wed 4 Nov: 55 calls; 160.5 talk minutes shown rounded down.
    assert "Wed 4 Nov: 55 of 60 calls, 160 of 150 talk minutes" in out
    # 60 + 66 + 55 calls; 9,000 + 8,640 + 9,630 s = 454.5 min; November's 21 working days are
    # 21 × 60 = 1,260 calls and 21 × 150 = 3,150 min.
    assert "181 of 1,260 calls, 454 of 3,150 talk minutes" in out
    # 18 working days left after Wed 4 Nov: ceil(1,079 / 18) = ceil(59.9) = 60;
    # 189,000 - 27,270 = 161,730 s, ceil(161,730 / 18 / 60) = ceil(149.75) = 150: on track,
    # so the pace is the daily quota.
    assert "Still needed: 60 calls and 150 min a day for the 18 working days left." in out
    # 100 - 2 (late) + 1 (praised); the private call was undone.
    assert "Score 99 (base 100)" in out
    assert "Rank 1 of 2 by attainment." in out


@freeze_time("2026-11-04 23:30:00+00:00")  # already Thu 5 Nov in Shanghai
def test_the_default_day_is_today_in_the_centers_time_zone(cli):
    code, out, _ = cli("stats", "show", "A001")
    assert code == 0
    assert "Thu 5 Nov: 0 of 60 calls, 0 of 150 talk minutes" in out


def test_a_first_week_new_hire_is_exempt_in_both_languages(cli):
    _, out, _ = cli("stats", "show", "A003", "--date", "2026-11-04")
    assert "First week: exempt from the quota." in out
    _, out, _ = cli("stats", "show", "A003", "--date", "2026-11-04", "--locale", "zh-CN")
    assert "免考核" in out


@freeze_time("2026-11-30 12:00:00+08:00")
def test_a_month_as_mystats_shows_it(cli):
    code, out, _ = cli("stats", "show", "A001", "--date", "2026-11")
    assert code == 0 and "Wed 4 Nov" not in out
    assert "November 2026 up to Mon 30 Nov: 181 of 1,260 calls, 454 of 3,150 talk minutes" in out


@freeze_time("2026-11-04 15:10:00+08:00")
def test_today_says_when_the_numbers_were_last_pulled_in_the_centers_time_zone(cli, session):
    session.add_all([StatsPull(name="a.csv", sha256="0" * 64, pulled_at=datetime(2026, 11, 4, 7, 2, tzinfo=UTC)),
                     StatsPull(name="b.csv", sha256="", error="unreachable",
                               pulled_at=datetime(2026, 11, 4, 7, 5, tzinfo=UTC))])  # not pulled: not counted
    session.commit()

    assert cli("stats", "show", "A001")[1].splitlines()[:2] == [
        "Wang Fang (A001) · Team 1 · veteran", "Numbers as of 15:02 today."]
    assert cli("stats", "show", "A001", "--locale", "zh-CN")[1].splitlines()[1] == "数据更新于今天 15:02。"
    assert "Numbers as of" in cli("stats", "show", "A001", "--date", "month")[1]
    assert "Numbers as of" not in cli("stats", "show", "A001", "--date", "2026-11-03")[1]


@freeze_time("2026-11-04 15:10:00+08:00")
def test_before_any_pull_there_is_no_as_of_line(cli):
    assert cli("stats", "show", "A001")[1].splitlines()[1] == ""


@pytest.mark.parametrize("args, message", [
    (("stats", "show", "A999"), "No agent with employee ID A999"),
    (("stats", "show", "A001", "--date", "4/11/2026"),
     "'4/11/2026' is not a day or a month: use today, yesterday, month, YYYY-MM-DD or YYYY-MM."),
    (("stats", "show", "A001", "--date", "2026-11-30"), "'2026-11-30' has not come yet"),
    (("stats", "show", "L01", "--date", "2026-11-04"), "Xu Chen (L01) has no quota in 2026-11"),
])
@freeze_time("2026-11-20 12:00:00+08:00")
def test_a_wrong_request_gets_one_line_and_exit_1(cli, args, message):
    code, out, err = cli(*args)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and message in err


def test_errors_speak_chinese_when_the_center_does(cli, monkeypatch):
    monkeypatch.setenv("KPIBOT_LOCALE", "zh-CN")
    code, _, err = cli("stats", "show", "A999")
    assert code == 1 and err.startswith("没有工号为 A999 的员工")


@freeze_time("2026-12-02 10:00:00+08:00")
def test_a_past_day_shows_the_score_as_it_was_that_day(cli):
    _, day, _ = cli("stats", "show", "A001", "--date", "2026-11-03")
    _, month, _ = cli("stats", "show", "A001", "--date", "2026-11")
    # By Tue 3 Nov only the late (-2) was logged; the entries of the 4th come after.
    assert "Score 98 (base 100)\n  -2 Late · 3 Nov · Xu Chen\n\nRank" in day
    assert "Score 99 (base 100)" in month and "4 Nov" in month


@freeze_time("2026-11-04 11:00:00+08:00")
def test_today_is_still_a_day_left_as_in_that_mornings_message(cli, session, center):
    _, out, _ = cli("stats", "show", "A001")
    # 19 working days from Wed 4 Nov on, with the 4th's 55 calls already done:
    # ceil(1,079 / 19) = ceil(56.8) = 57; ceil(161,730 s / 19 / 60) = ceil(141.9) = 142.
    assert "Still needed: 57 calls and 142 min a day for the 19 working days left." in out
    morning = nudges(session=session, center=center, today=date(2026, 11, 4))["A001"]
    assert morning.standing.month.days_left == 19


@freeze_time("2026-12-02 10:00:00+08:00")
def test_a_leaver_short_in_a_month_still_running_is_told_when_they_left(cli, session):
    li = queries.agent_by_employee_id(session=session, employee_id="A002")
    li.leave_date = date(2026, 11, 3)  # 2 of 21 days as a new hire: 2 × 50 = 100 calls, 2 × 120 = 240 min
    session.commit()

    _, day, _ = cli("stats", "show", "A002", "--date", "2026-11-04")
    _, zh, _ = cli("stats", "show", "A002", "--date", "2026-11-04", "--locale", "zh-CN")
    _, month, _ = cli("stats", "show", "A002", "--date", "2026-11")

    # 50 + 40 = 90 calls and 120 + 100 = 220 min done: 10 calls and 20 min short, Tuesday's miss.
    assert "Left on 3 Nov: 10 calls and 20 min short of the pro-rated quota." in day
    assert "11月3日离职：距折算后的基本量还差 10 次、20 分钟。" in zh
    assert "The month closed 10 calls and 20 min short." in month  # November is over
    # Her leave date is in November: she is not ranked in it, and is told why; Wang Fang is
    # the one agent ranked (Zhao Lei has no assessed day by the 4th).
    why = "Not ranked: your leave date, 3 Nov, is in this month, and nobody is ranked in the month they leave."
    assert day.endswith(f"\n{why}\n") and month.endswith(f"\n{why}\n")
    assert zh.endswith("\n不参与排名：你的离职日期（11月3日）在本月，离职当月不参与排名。\n")
    _, wang, _ = cli("stats", "show", "A001", "--date", "2026-11-04")
    assert "Rank 1 of 1 by attainment." in wang
