"""`kpibot jobs run morning|month-end` as the operator reads it, in English and Chinese: one line
per outcome, and one line with exit code 1 for a bad --date or --month. The center is
tests/rounds_world.py (8 messages on Monday 23 November)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from bot.rounds.status import jobs_status
from bot.store.models import JobRun, StatsPull
from rounds_world import kpibot, posted, world  # noqa: F401


def test_the_morning_round_in_chinese_speaks_chinese_to_the_operator_and_to_agents(world, kpibot):  # noqa: F811
    """With KPIBOT_LOCALE=zh-CN those without a language on the roster read Chinese too."""
    world.finds_chen_jing()
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-23", locale="zh-CN") == \
        (0, "早间推送 2026-11-23：8 条消息：已发送 8，待发送 0，失败 0，之前已发送 0。\n", "")
    texts = posted(world.standin)
    assert texts["morning:2026-11-23:A002"] == """\
Li Na，早上好！

11月20日 周五：通话 48/60 次，通话时长 130/150 分钟
  次数 ████████░░ 80.0% · 时长 ████████░░ 86.7%
  还差 12 次、20 分钟。
2026年11月截至11月22日 周日：通话 888/1,260 次，通话时长 2,230/3,150 分钟
  次数 ███████░░░ 70.5% · 时长 ███████░░░ 70.8%
  达成率 70.6%。
  剩余 6 个工作日，每天还需 62 次、154 分钟。

本月得分：98。"""
    assert texts["morning:2026-11-23:A003"] == """\
Zhao Lei，早上好！
欢迎加入！入职第一周以学习为主，免考核。
11月20日 周五：通话 30 次，通话时长 70 分钟，继续加油！
11月24日 周二起开始考核：每天通话 50 次、通话时长 120 分钟。"""
    assert texts["digest:2026-11-23:L01"] == """\
Alpha，11月20日 周五：4 人中 2 人达成当日基本量。
未达成：
  Li Na（A002）：还差 12 次、20 分钟 · 本月达成率 70.6%
已达成：Wang Fang、Chen Jing
入职第一周免考核：Zhao Lei
没有数据：Liu Yang"""


@pytest.mark.parametrize("locale, line", [
    (None, "2026-11-22 is not a working day: no morning round (add --force to send one anyway).\n"),
    ("zh-CN", "2026-11-22 不是工作日：不发送早间消息（如仍要发送，请加 --force）。\n"),
])
def test_a_day_off_is_one_line_and_sends_nothing(world, kpibot, locale, line):  # noqa: F811
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-22", locale=locale) == (0, line, "")
    assert world.standin.calls == []


def test_a_day_off_with_force_runs_the_round(world, kpibot):  # noqa: F811
    world.finds_chen_jing()
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-22", "--force") == \
        (0, "Morning round 2026-11-22: 8 messages: 8 sent, 0 pending, 0 failed, 0 sent before.\n", "")


@pytest.mark.parametrize("locale, line", [
    (None, "Morning round 2026-11-23 is running in another process right now: nothing was sent from here.\n"),
    ("zh-CN", "早间推送 2026-11-23 正在另一个进程中运行：本进程没有发送。\n"),
])
def test_a_round_running_elsewhere_is_left_alone(world, kpibot, locale, line):  # noqa: F811
    with Session(world.engine) as session:  # another process claimed it a moment ago and is beating
        session.add(JobRun(job="morning", period="2026-11-23"))
        session.commit()
    assert kpibot("jobs", "run", "morning", "--date", "2026-11-23", locale=locale) == (0, line, "")
    assert world.standin.calls == []


@pytest.mark.parametrize("args, locale, line", [
    (("morning", "--date", "2026-11-31"), None, "'2026-11-31' is not a day: use today, yesterday or YYYY-MM-DD."),
    (("morning", "--date", "23/11/2026"), None, "'23/11/2026' is not a day: use today, yesterday or YYYY-MM-DD."),
    (("morning", "--date", "tomorrow"), "zh-CN", "“tomorrow”不是日期：请用今天、昨天或 YYYY-MM-DD。"),
    (("month-end", "--month", "2026-13"), None, "'2026-13' is not a month: use YYYY-MM."),
    (("month-end", "--month", "2026-11-01"), None, "'2026-11-01' is not a month: use YYYY-MM."),
    (("month-end", "--month", "11/2026"), "zh-CN", "“11/2026”不是月份：请用 YYYY-MM。"),
])
def test_a_bad_date_or_month_is_one_line_and_exit_1(world, kpibot, args, locale, line):  # noqa: F811
    assert kpibot("jobs", "run", *args, locale=locale) == (1, "", line + "\n")
    assert world.standin.calls == []
    assert world.runs() == []


@pytest.mark.parametrize("args, locale, line", [
    (("morning", "--date", "2026-11-24"), None,
     "2026-11-24 has not come yet: a morning round is about today or a day before."),
    (("month-end", "--month", "2026-11"), None, "2026-11 is not over yet: the month-end round is about a month "
                                                 "that has closed (by default the last one)."),
    (("month-end", "--month", "2027-01"), "zh-CN", "2027-01 还没有结束：月末推送只针对已结束的月份（默认上个月）。"),
])
def test_a_round_of_a_day_or_month_to_come_is_refused_and_claims_nothing(world, kpibot, args, locale, line):  # noqa: F811
    """Sent early, the round would be claimed: the real one, when its day came, would send nothing."""
    assert kpibot("jobs", "run", *args, locale=locale, at="2026-11-23 20:00:00+08:00") == (1, "", line + "\n")
    assert world.standin.calls == []
    assert world.runs() == []


@pytest.mark.parametrize("locale, status", [
    (None, """\
Deliveries: 0 sent, 0 pending, 0 failed, 0 in doubt.
Last runs:
  none yet
Last pulls:
  none yet
"""),
    ("zh-CN", """\
消息：已发送 0，待发送 0，失败 0，状态不明 0。
最近运行：
  暂无
最近拉取：
  暂无
"""),
])
def test_jobs_status_before_any_round(kpibot, locale, status):  # noqa: F811
    assert kpibot("jobs", "status", locale=locale) == (0, status, "")


TUESDAY = "2026-11-24"  # reports Monday 23 November, for which the world has no numbers at all
HELD = ("Morning round 2026-11-24 is held: the call-center system has sent no numbers for Mon 23 Nov "
        "yet, so nobody was told there were none. Import or pull that day's stats and it goes out at "
        "the next retry (or run it again now); to send it without them, add --force.\n")


def test_a_morning_without_the_days_numbers_is_held_and_goes_out_once_they_are_imported(world, kpibot,  # noqa: F811
                                                                                       tmp_path):
    world.finds_chen_jing()
    assert kpibot("jobs", "run", "morning", "--date", TUESDAY, at="2026-11-24 09:00:00+08:00") == (0, HELD, "")
    assert kpibot("jobs", "run", "morning", "--date", TUESDAY, at="2026-11-24 09:05:00+08:00") == (0, HELD, "")
    assert world.standin.of("chat.postMessage") == []
    assert world.runs() == [("morning", TUESDAY, "held", None)]
    assert "  Morning round 2026-11-24 · held: no numbers yet · " in kpibot("jobs", "status")[1]

    stats = tmp_path / "monday.csv"
    stats.write_text("date,employee_id,calls,talk_minutes\n2026-11-23,A001,62,151.5\n", encoding="utf-8")
    assert kpibot("stats", "import", str(stats), at="2026-11-24 09:20:00+08:00")[0] == 0
    code, out, _ = kpibot("jobs", "run", "morning", "--date", TUESDAY, at="2026-11-24 09:21:00+08:00")
    assert (code, out) == (0, "Morning round 2026-11-24: 8 messages: 8 sent, 0 pending, 0 failed, 0 sent before.\n")
    assert world.runs() == [("morning", TUESDAY, "done", "8 sent, 0 pending, 0 failed")]
    assert "Mon 23 Nov: 62 of 60 calls" in posted(world.standin)["morning:2026-11-24:A001"]
    assert "Mon 23 Nov: no numbers from the call-center system." in posted(world.standin)["morning:2026-11-24:A002"]


def test_a_held_morning_goes_out_with_force_without_its_numbers(world, kpibot):  # noqa: F811
    world.finds_chen_jing()
    assert kpibot("jobs", "run", "morning", "--date", TUESDAY, at="2026-11-24 09:00:00+08:00")[1] == HELD
    code, out, _ = kpibot("jobs", "run", "morning", "--date", TUESDAY, "--force", at="2026-11-24 09:10:00+08:00")
    assert (code, out) == (0, "Morning round 2026-11-24: 8 messages: 8 sent, 0 pending, 0 failed, 0 sent before.\n")
    assert posted(world.standin)["morning:2026-11-24:A001"].splitlines()[2] == \
        "Mon 23 Nov: no numbers from the call-center system."


def test_jobs_status_lists_runs_and_pulls_of_the_same_instant_newest_first(session):
    """Rows alike in their time are told apart by their ids: in the order they were written, on
    every database."""
    at = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    session.add_all([JobRun(job="morning", period=f"2026-11-0{n}", status="done", started_at=at) for n in (1, 2, 3)])
    session.add_all([StatsPull(name=f"2026-11-0{n}.csv", sha256="", pulled_at=at) for n in (1, 2, 3)])
    session.commit()
    shown = jobs_status(session=session)
    assert [line.run.period for line in shown.runs] == ["2026-11-03", "2026-11-02", "2026-11-01"]
    assert [pull.name for pull in shown.pulls] == ["2026-11-03.csv", "2026-11-02.csv", "2026-11-01.csv"]
