"""The month-end round over real HTTP to a stand-in Slack: one leaderboard post and one chart in
the leaderboard channel, each agent's final month, each lead's and manager's review list.

The center is tests/rounds_world.py, with November closed as follows (by hand). November has 21
working days: a veteran's month is 21 x 60 = 1,260 calls and 21 x 150 = 3,150 min, a new hire's
21 x 50 = 1,050 and 21 x 120 = 2,520.
    Wang Fang   + 70 calls and 175 min on each of the 6 working days from 23 November: 930 + 420 = 1,350
                calls, 2,272.5 + 1,050 = 3,322.5 min: 107.1 % and 105.5 %, mean 106.3 %: quota met.
    Li Na       888 calls, 2,230 min: 70.5 %, 70.8 %, mean 70.6 %; 372 calls and 920 min short.
                Scores 78 in October (-20, -2) and 78 in November (-2, -20): below 80 two months running.
    Chen Jing   61 and 150: 4.8 %, 4.8 %, mean 4.8 %; 1,199 and 3,000 short. Scores 55 in November
                (-20, -20, -5): below the pass mark of 60.
    Zhou Min    220 and 560: 17.5 %, 17.8 %, mean 17.6 %; 1,040 and 2,590 short.
    Wu Gang     new hire, 50 and 121 of 1,050 and 2,520: 4.8 %, 4.8 %, mean 4.8 %; 1,000 and 2,399 short.
    Zhao Lei    assessed from Tue 24 November: 5 of 21 working days as a new hire, 5 x 50 = 250 calls,
                5 x 120 = 600 min; nothing done since.
Ranked by attainment (7 agents; Qian Yu has left): 106.3, 70.6, 17.6, 4.8, 4.8, 0.0, 0.0. Teams by the
mean of their members: Alpha (106.3 + 70.6 + 4.8 + 0 + 0) / 5 = 181.7 / 5 = 36.3, Beta (17.6 + 4.8) / 2
= 11.2.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import update
from sqlmodel import Session

from bot.rounds.month_end import month_end_round
from bot.store.models import Agent, DailyStat
from factories import add_day, add_entry
from messages.charts import bar_chart
from rounds_world import CHANNEL, DIES, call, dm, kpibot, post, posted, transcript, world  # noqa: F401
from scoring.calendar import Month

USERS = {"A001": "U001", "A002": "U002", "A003": "U003", "A004": "U004", "A006": "U006", "A007": "U007",
         "L01": "U100", "L02": "U200", "M01": "U900"}

BOARD = """\
Leaderboard, November 2026, by attainment
 1. Wang Fang · Alpha · 106.3%
 2. Li Na · Alpha · 70.6%
 3. Zhou Min · Beta · 17.6%
 4. Chen Jing · Alpha · 4.8%
 4. Wu Gang · Beta · 4.8%
 6. Zhao Lei · Alpha · 0.0%
 6. Liu Yang · Alpha · 0.0%

Teams
 1. Alpha · 36.3%
 2. Beta · 11.2%"""
BOARD_BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Leaderboard, November 2026, by attainment"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": " 1. Wang Fang · Alpha · 106.3%\n 2. Li Na · Alpha · 70.6%\n"
                                 " 3. Zhou Min · Beta · 17.6%\n 4. Chen Jing · Alpha · 4.8%\n 4. Wu Gang · Beta · 4.8%\n"
                                 " 6. Zhao Lei · Alpha · 0.0%\n 6. Liu Yang · Alpha · 0.0%"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Teams*\n 1. Alpha · 36.3%\n 2. Beta · 11.2%"}},
]
CHART_ROWS = [("1  A001", 106.3, "106.3%"), ("2  A002", 70.6, "70.6%"), ("3  A006", 17.6, "17.6%"),
              ("4  A004", 4.8, "4.8%"), ("4  A007", 4.8, "4.8%"), ("6  A003", 0.0, "0.0%"), ("6  A005", 0.0, "0.0%")]
FINAL = {
    "A001": """\
November 2026 is closed.
Score 100 (base 100).
Rank 1 of 7 by attainment.
Monthly quota met: 1,350 of 1,260 calls, 3,322 of 3,150 talk minutes, attainment 106.3%.""",
    "A002": """\
November 2026 is closed.
Score 78 (base 100).
Rank 2 of 7 by attainment.
Monthly quota not met: 888 of 1,260 calls, 2,230 of 3,150 talk minutes, attainment 70.6%; 372 calls and 920 min short.""",
    "A003": """\
November 2026 is closed.
Score 100 (base 100).
Rank 6 of 7 by attainment.
Monthly quota not met: 0 of 250 calls, 0 of 600 talk minutes, attainment 0.0%; 250 calls and 600 min short.""",
    "A004": """\
November 2026 is closed.
Score 55 (base 100).
Rank 4 of 7 by attainment.
Monthly quota not met: 61 of 1,260 calls, 150 of 3,150 talk minutes, attainment 4.8%; 1,199 calls and 3,000 min short.""",
    "A006": """\
2026年11月已结束。
得分 96（基础分 100）。
按达成率排名：第 3 名，共 7 人。
月度基本量未达成：通话 220/1,260 次，通话时长 560/3,150 分钟，达成率 17.6%；还差 1,040 次、2,590 分钟。""",
    "A007": """\
November 2026 is closed.
Score 100 (base 100).
Rank 4 of 7 by attainment.
Monthly quota not met: 50 of 1,050 calls, 121 of 2,520 talk minutes, attainment 4.8%; 1,000 calls and 2,399 min short.""",
}
REVIEW_ALPHA = """\
Month-end review, November 2026
Below the pass mark of 60 (retraining):
  Chen Jing (A004), Alpha: 55
Below 80 for 2 months running (retraining):
  Li Na (A002), Alpha: 78, 78"""
REVIEWS = {"L01": REVIEW_ALPHA, "L02": "2026年11月月度考评\n本月没有人低于考核线。", "M01": REVIEW_ALPHA}


@pytest.fixture
def november(world):  # noqa: F811
    """The world with November closed (see the module's docstring)."""
    with Session(world.engine) as session:
        for day in (23, 24, 25, 26, 27, 30):
            add_day(session, world.people["A001"], date(2026, 11, day), 70, 175)
        add_entry(session, world.people["A002"], date(2026, 10, 14), -20, code="refusal")
        add_entry(session, world.people["A002"], date(2026, 10, 15), -2, code="late")
        add_entry(session, world.people["A002"], date(2026, 11, 24), -20, code="refusal")
        for points in (-20, -20, -5):
            add_entry(session, world.people["A004"], date(2026, 11, 25), points, note="misconduct")
    world.finds_chen_jing()
    return world


def chart_calls(png: bytes, month: str, comment: str) -> list[tuple[str, str]]:
    return [call("files.getUploadURLExternal", filename=f"{month}.png", length=str(len(png))),
            call("upload", bytes=png),
            call("files.completeUploadExternal", files=json.dumps([{"id": "F1", "title": f"{month}.png"}]),
                 channel_id=CHANNEL, initial_comment=comment)]


def november_transcript() -> list[tuple[str, str]]:
    calls = [call("users.lookupByEmail", email="chen.jing@example.com"),
             post(CHANNEL, f"month-end:2026-11:#{CHANNEL}", BOARD, BOARD_BLOCKS),
             *chart_calls(bar_chart("2026-11", CHART_ROWS), "2026-11", "2026-11 as a chart")]
    for who, text in FINAL.items():
        calls += dm(USERS[who], f"month-end:2026-11:{who}", text)
    for who, text in REVIEWS.items():
        calls += dm(USERS[who], f"review:2026-11:{who}", text)
    return sorted(calls)


def test_november_closes_with_one_post_one_chart_and_a_dm_to_everyone(november):
    report = november.month_end("2026-11")
    assert (report.state, report.queued, report.outcome.pending, report.outcome.failed) == ("ran", 11, [], [])
    assert transcript(november.standin) == november_transcript()
    # The chart is uploaded in Slack's three steps, in order, after the post.
    steps = [c.method for c in november.standin.calls if c.method.startswith(("files.", "upload"))]
    assert steps == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert november.standin.of("upload")[0].path == "/upload/F1"
    assert november.runs() == [("month-end", "2026-11", "done", "11 sent, 0 pending, 0 failed")]


def test_the_final_month_tells_the_incentive_and_the_outcome_where_members_were_reported(november):
    """000: A001 met November's quota and reported 777 members (a veteran's target 700): both met.
    Nobody else reported members: their DMs say nothing of an incentive."""
    with Session(november.engine) as session:
        session.execute(update(DailyStat).where(DailyStat.agent_id == november.people["A001"].id)
                        .values(members=37))  # on each of her 21 days
        session.commit()
    november.month_end("2026-11")
    final = posted(november.standin)
    assert final["month-end:2026-11:A001"] == FINAL["A001"] + (
        "\nIncentive: 777 of 700 members developed.\n"
        "Outcome: basic quota and incentive met: base pay and the incentive bonus.")
    assert all("Incentive" not in text for key, text in final.items() if key != "month-end:2026-11:A001")


def test_the_month_end_round_run_twice_posts_nothing_new(november, kpibot):  # noqa: F811
    assert kpibot("jobs", "run", "month-end", "--month", "2026-11") == \
        (0, "Month-end round 2026-11: 11 messages: 11 sent, 0 pending, 0 failed, 0 sent before.\n", "")
    assert kpibot("jobs", "run", "month-end", "--month", "2026-11") == \
        (0, "Month-end round 2026-11 has run already: nothing was sent again.\n", "")
    assert kpibot("jobs", "run", "month-end", "--month", "2026-11", locale="zh-CN") == \
        (0, "月末推送 2026-11 已经运行过：没有重复发送。\n", "")
    assert transcript(november.standin) == november_transcript()


def test_by_default_the_month_end_round_is_about_last_month(november, kpibot):  # noqa: F811
    """At 09:30 on Tuesday 1 December in Shanghai (01:30 UTC) the month just closed is November."""
    assert kpibot("jobs", "run", "month-end", at="2026-12-01T01:30:00Z") == \
        (0, "Month-end round 2026-11: 11 messages: 11 sent, 0 pending, 0 failed, 0 sent before.\n", "")
    assert transcript(november.standin) == november_transcript()


def test_without_a_leaderboard_channel_nothing_is_posted_and_the_command_says_so(november, kpibot):  # noqa: F811
    assert kpibot("jobs", "run", "month-end", "--month", "2026-11", SLACK_LEADERBOARD_CHANNEL=None) == (0, (
        "Month-end round 2026-11: 9 messages: 9 sent, 0 pending, 0 failed, 0 sent before.\n"
        "SLACK_LEADERBOARD_CHANNEL is not set, so the leaderboard was not posted: set it and run "
        "kpibot jobs run month-end --month 2026-11 again to post it.\n"), "")
    expected = [c for c in november_transcript()
                if c[0] not in ("files.getUploadURLExternal", "upload", "files.completeUploadExternal")
                and CHANNEL not in c[1]]
    assert transcript(november.standin) == expected


def test_the_post_left_out_for_want_of_a_channel_goes_out_when_the_round_is_run_again(november, kpibot):  # noqa: F811
    """The round ran without a channel; once SLACK_LEADERBOARD_CHANNEL is set, running it again
    posts the leaderboard and its chart, and sends nothing else again; a third run sends nothing."""
    kpibot("jobs", "run", "month-end", "--month", "2026-11", SLACK_LEADERBOARD_CHANNEL=None)
    assert kpibot("jobs", "run", "month-end", "--month", "2026-11") == (0, (
        "Month-end round 2026-11 has run already; of 2 messages left pending: 2 sent now, 0 still pending, "
        "0 failed.\n"), "")
    assert transcript(november.standin) == november_transcript()
    assert kpibot("jobs", "run", "month-end", "--month", "2026-11")[1] == \
        "Month-end round 2026-11 has run already: nothing was sent again.\n"
    assert transcript(november.standin) == november_transcript()


def test_without_a_leaderboard_channel_the_command_says_so_in_chinese(november, kpibot):  # noqa: F811
    """Those without a language on the roster now read Chinese: the whole round is in Chinese."""
    code, out, err = kpibot("jobs", "run", "month-end", "--month", "2026-11", SLACK_LEADERBOARD_CHANNEL=None, locale="zh-CN")
    assert (code, out, err) == (0, (
        "月末推送 2026-11：9 条消息：已发送 9，待发送 0，失败 0，之前已发送 0。\n"
        "未设置 SLACK_LEADERBOARD_CHANNEL，因此没有发布排行榜：设置后再运行一次 kpibot jobs run month-end --month "
        "2026-11 即可发布。\n"), "")
    texts = posted(november.standin)
    assert texts["month-end:2026-11:A002"] == (
        "2026年11月已结束。\n得分 78（基础分 100）。\n按达成率排名：第 2 名，共 7 人。\n"
        "月度基本量未达成：通话 888/1,260 次，通话时长 2,230/3,150 分钟，达成率 70.6%；还差 372 次、920 分钟。")
    assert texts["review:2026-11:M01"] == (
        "2026年11月月度考评\n低于及格分 60（需二次培训）：\n  Chen Jing（A004），Alpha：55\n"
        "连续 2 个月低于 80 分（需二次培训）：\n  Li Na（A002），Alpha：78、78")


def test_an_agent_leaving_in_november_is_not_ranked_and_her_final_month_says_why(november):
    """Li Na's leave date is Fri 27 Nov (she is still active, so she gets her final month). Her
    quota is 20 assessed days (2-27 Nov), 20 x 60 = 1,200 calls and 20 x 150 = 3,000 min:
    888 / 1,200 = 74.0 %, 2,230 / 3,000 = 74.3 %, mean 74.2 %; 312 calls and 770 min short.
    The six others are ranked: 106.3, 17.6, 4.8, 4.8, 0.0, 0.0."""
    with Session(november.engine) as session:
        li = session.get(Agent, november.people["A002"].id)
        li.leave_date = date(2026, 11, 27)
        session.add(li)
        session.commit()
    report = november.month_end("2026-11")
    assert (report.state, report.queued, report.outcome.failed) == ("ran", 11, [])
    texts = posted(november.standin)
    assert texts["month-end:2026-11:A002"] == """\
November 2026 is closed.
Score 78 (base 100).
Not ranked: your leave date, 27 Nov, is in this month, and nobody is ranked in the month they leave.
Monthly quota not met: 888 of 1,200 calls, 2,230 of 3,000 talk minutes, attainment 74.2%; 312 calls and 770 min short."""
    assert texts[f"month-end:2026-11:#{CHANNEL}"].startswith("""\
Leaderboard, November 2026, by attainment
 1. Wang Fang · Alpha · 106.3%
 2. Zhou Min · Beta · 17.6%
 3. Chen Jing · Alpha · 4.8%
 3. Wu Gang · Beta · 4.8%
 5. Zhao Lei · Alpha · 0.0%
 5. Liu Yang · Alpha · 0.0%

Teams
""")
    assert texts["month-end:2026-11:A001"].split("\n")[2] == "Rank 1 of 6 by attainment."


# --- the quarter's last month ---------------------------------------------------------------------

SEPTEMBER_REVIEW_ALL = """\
Month-end review, September 2026
Below the pass mark of 60 (retraining):
  Chen Jing (A004), Alpha: 62, 58
  Zhou Min (A006), Beta: 45, 50
Below 80 for 2 months running (retraining):
  Li Na (A002), Alpha: 75, 76
Level review on the average score of July 2026 to September 2026:
  Up one level: Wang Fang, Liu Yang
  Stays: Li Na
  Down one level: Chen Jing
  Down one level, with a month's probation: Zhou Min"""


@pytest.fixture
def third_quarter(world):  # noqa: F811
    """Monthly scores July, August, September: Li Na 75, 75, 76 (average 75.3: stays); Chen Jing 60, 62,
    58 (average 60: down); Zhou Min 40, 45, 50 (average 45: down with probation); Wang Fang and Liu Yang
    100 (up). September has 22 working days: a veteran's month is 22 x 60 = 1,320 calls and 22 x 150 =
    3,300 min. September's numbers: Wang Fang 58 calls and 140 min on the 30th (4.4 %, 4.2 %: 4.3 %),
    Li Na 65 and 160 (4.9 %, 4.8 %: 4.9 %); Alpha (4.9 + 4.3 + 0 + 0) / 4 = 2.3."""
    with Session(world.engine) as session:
        for who, scores in {"A002": (75, 75, 76), "A004": (60, 62, 58), "A006": (40, 45, 50)}.items():
            for month, score in zip((7, 8, 9), scores):
                lost = 100 - score
                while lost:
                    points = min(20, lost)
                    add_entry(session, world.people[who], date(2026, month, 15), -points, note="misconduct")
                    lost -= points
        add_day(session, world.people["A001"], date(2026, 9, 30), 58, 140)
        add_day(session, world.people["A002"], date(2026, 9, 30), 65, 160)
    world.finds_chen_jing()
    return world


def test_in_the_last_month_of_a_quarter_the_review_lists_carry_the_level_review(third_quarter):
    report = third_quarter.month_end("2026-09")
    assert (report.state, report.queued, len(report.outcome.sent)) == ("ran", 9, 9)
    texts = posted(third_quarter.standin)
    assert sorted(texts) == sorted(["month-end:2026-09:#C0LEADERS"] + [
        f"month-end:2026-09:{who}" for who in ("A001", "A002", "A004", "A006")] + [
        f"review:2026-09:{who}" for who in ("L01", "L02", "M01")])
    assert texts["month-end:2026-09:#C0LEADERS"] == """\
Leaderboard, September 2026, by attainment
 1. Li Na · Alpha · 4.9%
 2. Wang Fang · Alpha · 4.3%
 3. Chen Jing · Alpha · 0.0%
 3. Liu Yang · Alpha · 0.0%
 3. Zhou Min · Beta · 0.0%

Teams
 1. Alpha · 2.3%
 2. Beta · 0.0%"""
    assert texts["review:2026-09:M01"] == SEPTEMBER_REVIEW_ALL
    assert texts["review:2026-09:L01"] == """\
Month-end review, September 2026
Below the pass mark of 60 (retraining):
  Chen Jing (A004), Alpha: 62, 58
Below 80 for 2 months running (retraining):
  Li Na (A002), Alpha: 75, 76
Level review on the average score of July 2026 to September 2026:
  Up one level: Wang Fang, Liu Yang
  Stays: Li Na
  Down one level: Chen Jing"""
    assert texts["month-end:2026-09:A004"] == """\
September 2026 is closed.
Score 58 (base 100).
Rank 3 of 5 by attainment.
Monthly quota not met: 0 of 1,320 calls, 0 of 3,300 talk minutes, attainment 0.0%; 1,320 calls and 3,300 min short."""
    assert [c.body["channel_id"] for c in third_quarter.standin.of("files.completeUploadExternal")] == [CHANNEL]


def test_the_level_review_in_chinese_uses_chinese_punctuation(third_quarter):
    """Sun Li reads Chinese: every other line of the list uses the full-width colon."""
    third_quarter.month_end("2026-09")
    texts = posted(third_quarter.standin)
    assert texts["review:2026-09:L02"] == """\
2026年9月月度考评
低于及格分 60（需二次培训）：
  Zhou Min（A006），Beta：45、50
岗位级别评定（2026年7月至2026年9月平均分）：
  降一级，并试用一个月：Zhou Min"""


# --- a crash during the chart's upload -------------------------------------------------------------


@DIES
def test_a_chart_whose_upload_was_interrupted_still_reaches_the_channel_once(november):
    """The process dies once the chart is claimed, before any of the upload reaches Slack. The retry
    after the lease must settle it: nothing arrived, so it is uploaded, once."""
    dying = november.dying_platforms(f"month-end:2026-11:#{CHANNEL}:chart")
    month_end_round(center=november.center, engine=november.engine, platforms=dying, month=Month.parse("2026-11"))
    assert november.deliveries()[f"month-end:2026-11:#{CHANNEL}:chart"] == ("sending", 1, None)
    assert november.standin.of("files.getUploadURLExternal") == []
    november.after_the_lease()
    november.rounds().retry()
    assert [c.body["channel_id"] for c in november.standin.of("files.completeUploadExternal")] == [CHANNEL]
    assert november.deliveries()[f"month-end:2026-11:#{CHANNEL}:chart"][0] == "sent"
