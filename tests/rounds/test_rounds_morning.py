"""The morning round over real HTTP to a stand-in Slack: who gets which DM, word for word, on a
Monday after a weekend, after the National Day holiday, on a make-up Saturday, and on a day off.

The center is tests/rounds_world.py. Every number below is worked out by hand from it:

Monday 23 November reports Friday 20 November; the month runs up to Sunday 22 November and
6 working days are left (23-27 and 30 November, the 23rd included). November has 21, so a
veteran's month is 21 x 60 = 1,260 calls and 21 x 150 = 3,150 min, a new hire's 21 x 50 = 1,050
and 21 x 120 = 2,520.
    Wang Fang   Fri 62 calls 151.5 min (62/60 = 103.3 %, 9,090/9,000 s = 101.0 %); month 15 x 62 = 930
                calls, 2,272.5 min: 930/1,260 = 73.8 %, 2,272.5/3,150 = 72.1 %, mean 73.0 %; still needed
                330/6 = 55 calls and 877.5/6 = 146.25 -> 147 min a day.
    Li Na       Fri 48/60 = 80.0 %, 130/150 = 86.7 %: short 12 calls and 20 min; month 14 x 60 + 48 = 888,
                14 x 150 + 130 = 2,230: 70.5 %, 70.8 %, mean 70.6 %; 372/6 = 62, 920/6 -> 154 (the
                daily 60 and 150 plus Friday's 12 and 20 spread over 6 days); score 98.
    Zhao Lei    hired Tue 17 Nov: first week to Mon 23 Nov, quota from Tue 24 Nov (new hire: 50, 120).
    Chen Jing   linked by email; Fri 61/60 = 101.7 %, 150/150; month 61/1,260 = 4.8 %, 150/3,150 = 4.8 %,
                mean 4.8 %; 1,199/6 -> 200 calls, 3,000/6 = 500 min.
    Zhou Min    (Chinese) no numbers on Friday; month 220, 560: 17.5 %, 17.8 %, mean 17.6 %; 1,040/6 -> 174,
                2,590/6 -> 432; score 100 - 5 + 1 = 96.
    Wu Gang     new hire (1,050 / 2,520 in November): Fri 50/50, 121/120 = 100.8 %; month 50/1,050 = 4.8 %,
                121/2,520 = 4.8 %, mean 4.8 %; 1,000/6 -> 167, 2,399/6 -> 400.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot.store.models import Agent, TeamLead
from factories import add_day
from rounds_world import TOKEN, call, dm, kpibot, posted, posts_per_key, transcript, world  # noqa: F401

MONDAY = date(2026, 11, 23)

NUDGES = {
    "A001": """\
Good morning, Wang Fang.

Fri 20 Nov: 62 of 60 calls, 151 of 150 talk minutes
  calls ██████████ 103.3% · talk ██████████ 101.0%
  Daily quota met.
November 2026 up to Sun 22 Nov: 930 of 1,260 calls, 2,272 of 3,150 talk minutes
  calls ███████░░░ 73.8% · talk ███████░░░ 72.1%
  Attainment 73.0%.
  Still needed: 55 calls and 147 min a day for the 6 working days left.

Score this month: 100.""",
    "A002": """\
Good morning, Li Na.

Fri 20 Nov: 48 of 60 calls, 130 of 150 talk minutes
  calls ████████░░ 80.0% · talk ████████░░ 86.7%
  Short by 12 calls and 20 min.
November 2026 up to Sun 22 Nov: 888 of 1,260 calls, 2,230 of 3,150 talk minutes
  calls ███████░░░ 70.5% · talk ███████░░░ 70.8%
  Attainment 70.6%.
  Still needed: 62 calls and 154 min a day for the 6 working days left.

Score this month: 98.""",
    "A003": """\
Good morning, Zhao Lei.
Welcome aboard! Your first week is for learning, with no quota.
Fri 20 Nov: 30 calls, 70 min of talk time. Well done.
Your quota starts on Tue 24 Nov: 50 calls and 120 min of talk time a day.""",
    "A004": """\
Good morning, Chen Jing.

Fri 20 Nov: 61 of 60 calls, 150 of 150 talk minutes
  calls ██████████ 101.7% · talk ██████████ 100.0%
  Daily quota met.
November 2026 up to Sun 22 Nov: 61 of 1,260 calls, 150 of 3,150 talk minutes
  calls ░░░░░░░░░░ 4.8% · talk ░░░░░░░░░░ 4.8%
  Attainment 4.8%.
  Still needed: 200 calls and 500 min a day for the 6 working days left.

Score this month: 100.""",
    "A006": """\
Zhou Min，早上好！

11月20日 周五：话务系统没有数据。
2026年11月截至11月22日 周日：通话 220/1,260 次，通话时长 560/3,150 分钟
  次数 █░░░░░░░░░ 17.5% · 时长 █░░░░░░░░░ 17.8%
  达成率 17.6%。
  剩余 6 个工作日，每天还需 174 次、432 分钟。

本月得分：96。""",
    "A007": """\
Good morning, Wu Gang.

Fri 20 Nov: 50 of 50 calls, 121 of 120 talk minutes
  calls ██████████ 100.0% · talk ██████████ 100.8%
  Daily quota met.
November 2026 up to Sun 22 Nov: 50 of 1,050 calls, 121 of 2,520 talk minutes
  calls ░░░░░░░░░░ 4.8% · talk ░░░░░░░░░░ 4.8%
  Attainment 4.8%.
  Still needed: 167 calls and 400 min a day for the 6 working days left.

Score this month: 100.""",
}
DIGESTS = {
    "L01": """\
Alpha, Fri 20 Nov: 2 of 4 met the daily quota.
Behind:
  Li Na (A002): short by 12 calls and 20 min · month 70.6%
Met: Wang Fang, Chen Jing
First week, exempt: Zhao Lei
No numbers: Liu Yang""",
    "L02": """\
Beta，11月20日 周五：2 人中 1 人达成当日基本量。
已达成：Wu Gang
没有数据：Zhou Min""",
}
ROUND = [f"morning:2026-11-23:{who}" for who in NUDGES] + [f"digest:2026-11-23:{who}" for who in DIGESTS]
USERS = {"A001": "U001", "A002": "U002", "A003": "U003", "A004": "U004", "A006": "U006", "A007": "U007",
         "L01": "U100", "L02": "U200"}


def monday_transcript() -> list[tuple[str, str]]:
    calls = [call("users.lookupByEmail", email="chen.jing@example.com")]
    for who, text in NUDGES.items():
        calls += dm(USERS[who], f"morning:2026-11-23:{who}", text)
    for who, text in DIGESTS.items():
        calls += dm(USERS[who], f"digest:2026-11-23:{who}", text)
    return sorted(calls)


def texts_by_key(world, part: str) -> dict[str, str]:  # noqa: F811
    """The DMs whose delivery key holds `part`, by key."""
    return {key: text for key, text in posted(world.standin).items() if part in key}


def test_monday_each_agent_and_lead_gets_exactly_one_dm_about_friday(world):  # noqa: F811
    world.finds_chen_jing()
    report = world.morning(MONDAY)
    assert (report.state, report.queued, report.outcome.pending, report.outcome.failed) == ("ran", 8, [], [])
    assert transcript(world.standin) == monday_transcript()
    # Chen Jing is found by email before anyone is written to; Liu Yang (no Slack), Qian Yu (left)
    # and Ma Jun (a manager: no morning digest) get nothing.
    assert world.standin.calls[0].method == "users.lookupByEmail"
    assert {c.headers["Authorization"] for c in world.standin.calls} == {f"Bearer {TOKEN}"}
    assert world.runs() == [("morning", "2026-11-23", "done", "8 sent, 0 pending, 0 failed")]


def test_the_email_link_is_remembered_with_the_dm_channel(world):  # noqa: F811
    world.finds_chen_jing()
    world.morning(MONDAY)
    with Session(world.engine) as session:  # Monday's numbers, for Tuesday's round
        add_day(session, world.people["A001"], MONDAY, 62, 151.5)
    world.morning(date(2026, 11, 24))
    assert [c.body for c in world.standin.of("users.lookupByEmail")] == [{"email": "chen.jing@example.com"}]
    assert len(world.standin.of("conversations.open")) == 8  # DM channels are opened once, then remembered
    assert posts_per_key(world.standin) == {f"{kind}:{day}:{who}": 1 for day in ("2026-11-23", "2026-11-24")
                                            for kind, people in (("morning", NUDGES), ("digest", DIGESTS))
                                            for who in people}


def test_an_email_slack_does_not_know_links_nobody_and_her_message_is_written_down_as_failed(world):  # noqa: F811
    """Chen Jing is on the roster by email only, and Slack does not know it: her nudge is still
    queued (so jobs status shows it), looked up once more when sent, and fails."""
    for _ in range(2):
        world.standin.script("users.lookupByEmail", body={"ok": False, "error": "users_not_found"})
    report = world.morning(MONDAY)
    assert (report.queued, sorted(report.outcome.sent), report.outcome.failed) == (8, sorted(
        [f"morning:2026-11-23:{who}" for who in ("A001", "A002", "A003", "A006", "A007")]
        + ["digest:2026-11-23:L01", "digest:2026-11-23:L02"]), ["morning:2026-11-23:A004"])
    assert world.deliveries()["morning:2026-11-23:A004"] == ("failed", 1, "A004 has no Slack user")
    assert [c for c in world.standin.calls if c.body.get("users") == "U004"] == []


def test_an_email_lookup_slack_fails_leaves_her_message_pending_not_lost(world):  # noqa: F811
    """A 500 on the lookup before the round links nobody; her nudge is queued all the same and
    goes out once the lookup at sending succeeds."""
    world.standin.script("users.lookupByEmail", 500)
    world.finds_chen_jing()  # the second lookup, when her nudge is sent
    report = world.morning(MONDAY)
    assert (report.queued, report.outcome.failed, report.outcome.pending) == (8, [], [])
    assert "morning:2026-11-23:A004" in report.outcome.sent


def test_after_the_national_day_holiday_the_round_reports_the_last_working_day_before_it(world):  # noqa: F811
    """Thu 8 Oct, after 1-7 October off, reports Wed 30 September; October has 18 working days
    (8, 9, the make-up Saturday 10, then 12-30 on weekdays), all still ahead: a veteran's quota is
    18 x 60 = 1,080 calls and 18 x 150 = 2,700 minutes, so 1,080/18 = 60 calls and 2,700/18 = 150
    minutes a day, the daily quota (a new hire: 18 x 50 = 900 and 18 x 120 = 2,160; 50 and 120)."""
    with Session(world.engine) as session:
        add_day(session, world.people["A001"], date(2026, 9, 30), 58, 140)
        add_day(session, world.people["A002"], date(2026, 9, 30), 65, 160)
    world.finds_chen_jing()
    report = world.morning(date(2026, 10, 8))
    assert (report.state, report.queued) == ("ran", 7)  # Zhao Lei was not hired yet
    texts = texts_by_key(world, "2026-10-08")
    assert sorted(texts) == sorted([f"morning:2026-10-08:{who}" for who in ("A001", "A002", "A004", "A006", "A007")]
                                   + ["digest:2026-10-08:L01", "digest:2026-10-08:L02"])
    assert texts["morning:2026-10-08:A001"] == """\
Good morning, Wang Fang.

Wed 30 Sep: 58 of 60 calls, 140 of 150 talk minutes
  calls █████████░ 96.7% · talk █████████░ 93.3%
  Short by 2 calls and 10 min.
October 2026: no working day assessed yet; the quota is 1,080 calls and 2,700 talk minutes.
  Still needed: 60 calls and 150 min a day for the 18 working days left.

Score this month: 100."""
    assert texts["morning:2026-10-08:A007"] == """\
Good morning, Wu Gang.

Wed 30 Sep: not on the roster that day.
October 2026: no working day assessed yet; the quota is 900 calls and 2,160 talk minutes.
  Still needed: 50 calls and 120 min a day for the 18 working days left.

Score this month: 100."""
    # The digest's month is the reported day's: September, whose 22 working days make 22 x 60 =
    # 1,320 calls and 22 x 150 = 3,300 min; 58/1,320 = 4.39 %, 140/3,300 = 4.24 %, mean 4.3 %.
    assert texts["digest:2026-10-08:L01"] == """\
Alpha, Wed 30 Sep: 1 of 4 met the daily quota.
Behind:
  Wang Fang (A001): short by 2 calls and 10 min · month 4.3%
Met: Li Na
No numbers: Chen Jing, Liu Yang"""


def test_a_make_up_saturday_is_a_working_day_with_its_own_round_and_its_own_report(world):  # noqa: F811
    """Sat 10 October is worked: its round reports Fri 9 October (16 days left: 10 Oct on), and
    Monday 12 October reports the Saturday (15 days left). October's 18 working days make 18 x 60 =
    1,080 calls and 18 x 150 = 2,700 min. Wang Fang: 60 + 61 calls, 150 + 152 min by Friday:
    121/1,080 = 11.2 %, 302/2,700 = 11.2 %, mean 11.2 %; 959/16 -> 60, 2,398/16 -> 150. With
    Saturday's 64 and 155: 185 (17.1 %), 457 (16.9 %), mean 17.0 %; 895/15 -> 60, 2,243/15 -> 150.
    Li Na's 40 and 100 on Saturday: 40/1,080 = 3.7 %, 100/2,700 = 3.7 %."""
    with Session(world.engine) as session:
        for day, calls, minutes in ((8, 60, 150), (9, 61, 152), (10, 64, 155)):
            add_day(session, world.people["A001"], date(2026, 10, day), calls, minutes)
        add_day(session, world.people["A002"], date(2026, 10, 10), 40, 100)
    world.finds_chen_jing()
    saturday, monday = world.morning(date(2026, 10, 10)), world.morning(date(2026, 10, 12))
    assert (saturday.state, saturday.queued, monday.state, monday.queued) == ("ran", 7, "ran", 7)
    texts = texts_by_key(world, "2026-10-1")
    assert texts["morning:2026-10-10:A001"] == """\
Good morning, Wang Fang.

Fri 9 Oct: 61 of 60 calls, 152 of 150 talk minutes
  calls ██████████ 101.7% · talk ██████████ 101.3%
  Daily quota met.
October 2026 up to Fri 9 Oct: 121 of 1,080 calls, 302 of 2,700 talk minutes
  calls █░░░░░░░░░ 11.2% · talk █░░░░░░░░░ 11.2%
  Attainment 11.2%.
  Still needed: 60 calls and 150 min a day for the 16 working days left.

Score this month: 100."""
    assert texts["morning:2026-10-12:A001"] == """\
Good morning, Wang Fang.

Sat 10 Oct: 64 of 60 calls, 155 of 150 talk minutes
  calls ██████████ 106.7% · talk ██████████ 103.3%
  Daily quota met.
October 2026 up to Sun 11 Oct: 185 of 1,080 calls, 457 of 2,700 talk minutes
  calls █░░░░░░░░░ 17.1% · talk █░░░░░░░░░ 16.9%
  Attainment 17.0%.
  Still needed: 60 calls and 150 min a day for the 15 working days left.

Score this month: 100."""
    assert texts["digest:2026-10-12:L01"] == """\
Alpha, Sat 10 Oct: 1 of 4 met the daily quota.
Behind:
  Li Na (A002): short by 20 calls and 50 min · month 3.7%
Met: Wang Fang
No numbers: Chen Jing, Liu Yang"""


def test_a_day_off_sends_nothing_and_claims_nothing(world):  # noqa: F811
    for day_off in (date(2026, 11, 22), date(2026, 10, 5), date(2026, 10, 11)):  # Sunday, National Day, Sunday
        report = world.morning(day_off)
        assert (report.state, report.period, report.queued, report.outcome) == \
            ("not_working_day", day_off.isoformat(), 0, None)
    assert world.standin.calls == []
    assert world.runs() == []


def test_a_day_off_with_force_sends_the_round_about_the_last_working_day(world):  # noqa: F811
    """Sunday 22 November, forced: Friday 20 November again, the month up to Saturday 21, and the
    same 6 working days left."""
    world.finds_chen_jing()
    report = world.morning(date(2026, 11, 22), force=True)
    assert (report.state, report.queued, len(report.outcome.sent)) == ("ran", 8, 8)
    expected = {f"morning:2026-11-22:{who}": text.replace("up to Sun 22 Nov", "up to Sat 21 Nov")
                .replace("截至11月22日 周日", "截至11月21日 周六") for who, text in NUDGES.items()}
    expected |= {f"digest:2026-11-22:{who}": text for who, text in DIGESTS.items()}
    assert texts_by_key(world, "2026-11-22") == expected


def test_the_cli_runs_the_round_of_today_in_the_centers_time_zone(world, kpibot):  # noqa: F811
    """At 01:30 UTC on Monday 23 November it is 09:30 in Shanghai: Monday's round. At 20:00 UTC on
    Saturday 21 November it is already Sunday there: a day off."""
    assert kpibot("jobs", "run", "morning", at="2026-11-21T20:00:00Z") == \
        (0, "2026-11-22 is not a working day: no morning round (add --force to send one anyway).\n", "")
    world.finds_chen_jing()
    assert kpibot("jobs", "run", "morning", at="2026-11-23T01:30:00Z") == \
        (0, "Morning round 2026-11-23: 8 messages: 8 sent, 0 pending, 0 failed, 0 sent before.\n", "")
    assert transcript(world.standin) == monday_transcript()


def test_on_the_first_of_a_month_the_round_reports_the_day_before_and_starts_the_new_quota(world):  # noqa: F811
    """Tuesday 1 December reports Monday 30 November (70 calls, 175 min: 116.7 %, 116.7 %); December has
    23 working days, all ahead: 23 x 60 = 1,380 calls and 23 x 150 = 3,450 min, so 1,380/23 = 60
    calls and 3,450/23 = 150 min a day, and a new score."""
    with Session(world.engine) as session:
        add_day(session, world.people["A001"], date(2026, 11, 30), 70, 175)
    world.finds_chen_jing()
    assert world.morning(date(2026, 12, 1)).queued == 8
    assert texts_by_key(world, "2026-12-01")["morning:2026-12-01:A001"] == """\
Good morning, Wang Fang.

Mon 30 Nov: 70 of 60 calls, 175 of 150 talk minutes
  calls ██████████ 116.7% · talk ██████████ 116.7%
  Daily quota met.
December 2026: no working day assessed yet; the quota is 1,380 calls and 3,450 talk minutes.
  Still needed: 60 calls and 150 min a day for the 23 working days left.

Score this month: 100."""


def test_a_lead_of_two_teams_gets_one_digest_of_both(world):  # noqa: F811
    with Session(world.engine) as session:
        beta = session.get(Agent, world.people["A006"].id).team_id
        session.add(TeamLead(agent_id=world.people["L01"].id, team_id=beta))
        session.commit()
    world.finds_chen_jing()
    world.morning(MONDAY)
    assert texts_by_key(world, "digest:")["digest:2026-11-23:L01"] == DIGESTS["L01"] + """

Beta, Fri 20 Nov: 1 of 2 met the daily quota.
Met: Wu Gang
No numbers: Zhou Min"""
    assert posts_per_key(world.standin)["digest:2026-11-23:L01"] == 1
