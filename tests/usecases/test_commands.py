"""Every command's answer, word for word, asked directly (tests/doors/test_slack_commands.py keeps
how Slack carries them). The center is tests/support/scenario.py on Wednesday 4 November 2026,
with the people of tests/usecases/conftest.py; every number is worked out by hand in
tests/support/said.py and beside the expectations below."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select, update

from bot.store.models import Agent, DailyStat, Delivery, JobRun, LedgerEntry
from factories import add_agent, add_entry
from said import (
    BOARD, DEDUCT_CODES, FIRST, LI, LI_TODAY, OFFICE, SCENARIO_LEDGER, TEAM_1, TEAM_2, TODAY, TOP, WANG, WANG_3_NOV,
    WANG_4_NOV, WANG_NOVEMBER, WANG_NOVEMBER_TO_3, WANG_OCTOBER, WANG_SCORE, WANG_SCORE_TO_3, refused, stats_text,
    text_of,
)


def ledger(session) -> list[tuple]:
    """Every ledger row: id, agent, day, points, code, reason, author, what it revokes."""
    ids = dict(session.exec(select(Agent.id, Agent.employee_id)).all())
    return [(e.id, ids[e.agent_id], e.day, e.points, e.code, e.reason, ids.get(e.author_id), e.revokes_id)
            for e in session.exec(select(LedgerEntry).order_by(LedgerEntry.id))]


def deliveries(session) -> list[tuple]:
    return [(d.key, d.recipient, d.status) for d in session.exec(select(Delivery).order_by(Delivery.id))]


def change(session, employee_id: str, **fields) -> None:
    """Edit one roster row, as a roster import would."""
    row = session.exec(select(Agent).where(Agent.employee_id == employee_id)).one()
    for name, value in fields.items():
        setattr(row, name, value)
    session.add(row)
    session.commit()


# === /mystats =================================================================================

@pytest.mark.parametrize("words", ["", "today", "TODAY", "今天"])
def test_mystats_shows_today_and_the_month_to_date(ask, words):
    assert text_of(ask("A001", "mystats", words)) == stats_text(WANG, WANG_4_NOV, WANG_NOVEMBER, WANG_SCORE, FIRST)


@pytest.mark.parametrize("words", ["yesterday", "昨天", "2026-11-03"])
def test_mystats_shows_an_earlier_day_and_its_month_up_to_it(ask, words):
    assert text_of(ask("A001", "mystats", words)) == stats_text(WANG, WANG_3_NOV, WANG_NOVEMBER_TO_3,
                                                                WANG_SCORE_TO_3, FIRST)


@pytest.mark.parametrize("words", ["month", "本月", "2026-11"])
def test_mystats_month_shows_the_month_without_a_day(ask, words):
    assert text_of(ask("A001", "mystats", words)) == stats_text(WANG, WANG_NOVEMBER, WANG_SCORE, FIRST)


def test_mystats_of_a_past_month_shows_how_it_closed(ask):
    score = "Score 100 (base 100)\nNo deductions or awards this month."
    assert text_of(ask("A001", "mystats", "2026-10")) == stats_text(WANG, WANG_OCTOBER, score, FIRST)  # 0 % ties


def test_mystats_of_a_month_shows_the_incentive_and_once_it_is_over_the_outcome(ask, session):
    """000: members developed against the incentive target (a veteran's 700); the outcome for pay
    once the month is over. Wang Fang made 720 members on 30 Oct but few calls: incentive only."""
    wang = session.exec(select(Agent).where(Agent.employee_id == "A001")).one()
    session.add(DailyStat(agent_id=wang.id, day=date(2026, 10, 30), calls=10, talk_seconds=600, members=720))
    session.commit()
    session.execute(update(DailyStat).where(DailyStat.agent_id == wang.id, DailyStat.day == date(2026, 11, 2))
                    .values(members=35))
    session.commit()
    october = text_of(ask("A001", "mystats", "2026-10"))
    assert "\n\nIncentive: 720 of 700 members developed.\nOutcome: incentive met, basic quota not: the incentive " \
           "bonus, and base pay less 100.\n\nScore 100" in october
    november = text_of(ask("A001", "mystats", "month"))
    assert "\n\nIncentive: 35 of 700 members developed.\n\nScore" in november and "Outcome" not in november
    assert "Incentive" not in text_of(ask("A001", "mystats"))  # a day shows the day and the month's quota alone
    assert "Incentive" not in text_of(ask("A002", "mystats", "month"))  # no members reported: nothing to say


def test_mystats_tells_a_first_week_agent_they_are_exempt(ask):
    # Zhao Lei joined Mon 2 Nov: assessed from Mon 9 Nov, 16 of 21 working days, so 16 x 50 = 800
    # calls and 16 x 120 = 1,920 minutes, 50 and 120 a day over the 16 days.
    assert text_of(ask("A003", "mystats")) == stats_text(
        "Zhao Lei (A003) · Team 2 · new hire",
        "Wed 4 Nov: 0 calls, 0 min of talk time. First week: exempt from the quota.",
        "November 2026: no working day assessed yet; the quota is 800 calls and 1,920 talk minutes.\n"
        "  Quota pro-rated: 16 of 21 working days assessed.\n"
        "  Still needed: 50 calls and 120 min a day for the 16 working days left.",
        "Score 100 (base 100)\nNo deductions or awards this month.",
        "Not ranked yet: no assessed day this month.")


def test_mystats_of_li_na_today(ask):
    assert text_of(ask("A002", "mystats")) == stats_text(LI, *LI_TODAY)


@pytest.mark.parametrize("words", ["tomorrow", "Tomorrow", "2026-11-31", "2026-13", "4/11/2026", "2026-11-04 month"])
def test_mystats_with_a_bad_argument_gets_one_line_and_the_usage(ask, words):
    """The words are quoted as typed."""
    line = f"'{words}' is not a day or a month: use today, yesterday, month, YYYY-MM-DD or YYYY-MM."
    assert text_of(ask("A001", "mystats", words)) == refused(line, "mystats")


@pytest.mark.parametrize("words, line", [
    ("2026-11-05", "'2026-11-05' has not come yet: ask about today or a day before."),
    ("2026-12", "'2026-12' has not come yet: ask about this month or one before."),
])
def test_mystats_of_a_day_or_month_to_come_says_so(ask, words, line):
    assert text_of(ask("A001", "mystats", words)) == refused(line, "mystats")


def test_mystats_speaks_chinese_to_someone_whose_roster_locale_is_chinese(ask, session):
    change(session, "A001", locale="zh-CN")
    assert text_of(ask("A001", "mystats", "今天")) == stats_text(
        "Wang Fang（A001）· Team 1 · 老员工",
        "11月4日 周三：通话 55/60 次，通话时长 160/150 分钟\n"
        "  次数 █████████░ 91.7% · 时长 ██████████ 107.0%\n"
        "  还差 5 次。",
        "2026年11月截至11月4日 周三：通话 181/1,260 次，通话时长 454/3,150 分钟\n"
        "  次数 █░░░░░░░░░ 14.4% · 时长 █░░░░░░░░░ 14.4%\n"
        "  达成率 14.4%。\n"
        "  剩余 19 个工作日，每天还需 57 次、142 分钟。",
        "本月得分 99（基础分 100）\n"
        "  -2 迟到 · 11月3日 · Xu Chen\n"
        "  +1 受用户来电表扬：thanked by a caller · 11月4日 · Xu Chen\n"
        "  -1 挂、接私人电话 · 11月4日 · Xu Chen（已撤销）",
        "按达成率排名：第 1 名，共 2 人。")
    assert text_of(ask("A001", "mystats", "tomorrow")) == (
        "“tomorrow”不是日期或月份：请用今天、昨天、本月、YYYY-MM-DD 或 YYYY-MM。\n"
        "用法：/mystats [今天 | 昨天 | 本月 | YYYY-MM-DD | YYYY-MM]\n")


@pytest.mark.parametrize("who", ["L01", "M01"])
def test_mystats_for_someone_without_a_quota_says_so(ask, who):
    line = "You have no quota of your own: quotas are for agents. Try /teamstats."
    assert text_of(ask(who, "mystats")) == refused(line, "mystats")


# === /deduct and /award =======================================================================

GIVEN = [
    ("deduct", "<@U001> 3 talked back to a caller", -3, None, "talked back to a caller",
     "-3 talked back to a caller", 96, "Xu Chen deducted 3 points from you: talked back to a caller"),
    ("deduct", "<@U001|wang.fang> late", -2, "late", "", "-2 Late", 97,
     "Xu Chen deducted 2 points from you: Late"),
    ("deduct", "A001 LATE traffic on the ring road", -2, "late", "traffic on the ring road",
     "-2 Late: traffic on the ring road", 97, "Xu Chen deducted 2 points from you: Late: traffic on the ring road"),
    ("deduct", "  A001   late  ", -2, "late", "", "-2 Late", 97, "Xu Chen deducted 2 points from you: Late"),
    ("deduct", "a001 迟到", -2, "late", "", "-2 Late", 97, "Xu Chen deducted 2 points from you: Late"),
    ("award", "<@U001> 1 stayed to cover the evening queue", 1, None, "stayed to cover the evening queue",
     "+1 stayed to cover the evening queue", 100, "Xu Chen awarded you 1 point: stayed to cover the evening queue"),
    ("award", "<@U001|wang.fang> +4 ran the team huddle", 4, None, "ran the team huddle",
     "+4 ran the team huddle", 103, "Xu Chen awarded you 4 points: ran the team huddle"),
    ("award", "A001 letter", 2, "letter", "", "+2 Praised in a customer's letter", 101,
     "Xu Chen awarded you 2 points: Praised in a customer's letter"),
]


@pytest.mark.parametrize("kind, words, points, code, reason, shown, score, told", GIVEN,
                         ids=[f"{row[0]} {row[1]}" for row in GIVEN])
def test_a_lead_records_an_entry_for_an_agent_of_their_team(ask, session, kind, words, points, code, reason,
                                                             shown, score, told):
    given = ask("L01", kind, words)
    assert text_of(given) == f"Recorded for Wang Fang (A001): {shown}. Their score this month: {score}.\n"
    appeal = "\nTo appeal it, type: appeal 6 YOUR REASON" if points < 0 else ""
    assert ask.told(given) == [("entry:6", "A001", f"{told}. Your score this month: {score}.{appeal}")]
    assert given.undo == 6
    assert ledger(session) == [*SCENARIO_LEDGER, (6, "A001", TODAY, points, code, reason, "L01", None)]
    assert deliveries(session) == [("entry:6", "A001", "sent")]


BY_MANAGERS = [
    ("M01", "deduct", "<@U003> late", (6, "A003", TODAY, -2, "late", "", "M01", None),
     "Recorded for Zhao Lei (A003): -2 Late. Their score this month: 98.",
     ("entry:6", "A003", "Ma Jun deducted 2 points from you: Late. Your score this month: 98.\n"
                         "To appeal it, type: appeal 6 YOUR REASON")),
    ("M01", "award", "A001 call", (6, "A001", TODAY, 1, "call", "", "M01", None),
     "Recorded for Wang Fang (A001): +1 Praised by a customer's call. Their score this month: 100.",
     ("entry:6", "A001", "Ma Jun awarded you 1 point: Praised by a customer's call. Your score this month: 100.")),
    ("ADM1", "award", "<@U200> 2 ran the new-hire training",
     (6, "L02", TODAY, 2, None, "ran the new-hire training", "ADM1", None),
     "Recorded for Sun Li (L02): +2 ran the new-hire training. Their score this month: 102.",
     ("entry:6", "L02", "Gao Yan awarded you 2 points: ran the new-hire training. Your score this month: 102.")),
]


@pytest.mark.parametrize("who, kind, words, row, confirmed, told", BY_MANAGERS,
                         ids=[f"{row[0]} {row[1]} {row[2]}" for row in BY_MANAGERS])
def test_managers_and_admins_act_on_anyone(ask, session, who, kind, words, row, confirmed, told):
    given = ask(who, kind, words)
    assert (text_of(given), ask.told(given)) == (confirmed + "\n", [told])
    assert ledger(session) == [*SCENARIO_LEDGER, row]


def test_the_confirmation_speaks_the_authors_language_and_the_dm_the_agents(ask, session):
    change(session, "L01", locale="zh-CN")
    given = ask("L01", "deduct", "<@U001> late")
    assert text_of(given) == "已为Wang Fang（A001）记录：-2 迟到。其本月得分：97。\n"
    assert ask.told(given) == [("entry:6", "A001", "Xu Chen deducted 2 points from you: Late. "
                                                   "Your score this month: 97.\nTo appeal it, type: appeal 6 YOUR REASON")]
    change(session, "A001", locale="zh-CN")
    assert ask.told(ask("L01", "award", "A001 call")) == [
        ("entry:7", "A001", "Xu Chen给你加了 1 分：受用户来电表扬。你的本月得分：98。")]


REFUSALS = [
    # who, command, text, the one line
    ("L01", "deduct", "<@U999> 2 rude to a caller",
     "I don't know <@U999>: name an agent with an @mention or an employee ID from the roster."),
    ("L01", "award", "A999 2 helped a colleague",
     "I don't know A999: name an agent with an @mention or an employee ID from the roster."),
    ("L01", "deduct", "<@U001> 2", "Give a reason after the points."),
    ("L01", "award", "A001 3", "Give a reason after the points."),
    ("L01", "deduct", "<@U001|wang.fang>", "Give the points or a code after the agent."),
    ("L01", "deduct", "<@U001> 0 nothing really", "Zero points changes nothing: give 1 to 20."),
    ("L01", "award", "<@U001> 0 well done", "Zero points changes nothing: give 1 to 20."),
    ("L01", "deduct", "<@U001> -2 late again",
     "Points are a whole number above 0, not -2: /deduct takes points away, /award adds them."),
    ("L01", "award", "A001 -1 a negative award",
     "Points are a whole number above 0, not -1: /deduct takes points away, /award adds them."),
    ("L01", "award", "<@U001> 1.5 half a thank-you", "Points are whole numbers, not 1.5."),
    ("L01", "deduct", "<@U001> 2,5 late-ish", "Points are whole numbers, not 2,5."),
    ("L01", "deduct", "<@U001> 21 far too many", "21 points is more than one entry may carry (20)."),
    ("L01", "award", "A001 100 for everything", "100 points is more than one entry may carry (20)."),
    ("L01", "deduct", "<@U001> sleeping on shift", f"There is no code 'sleeping'. Codes: {DEDUCT_CODES}."),
    ("L01", "deduct", "<@U001> contest", "'contest' is a code for /award: use /award @agent contest."),
    ("L01", "award", "A001 late", "'late' is a code for /deduct: use /deduct @agent late."),
    ("L01", "deduct", "<@U001> 2 " + "x" * 301, "The note is longer than 300 characters."),
    ("L01", "deduct", "<@U100> 2 testing the bot", "Nobody can deduct from or award themselves."),
    ("L01", "award", "L01 5 a good week", "Nobody can deduct from or award themselves."),
    ("A001", "deduct", "<@U002> 2 noisy neighbour", "Only team leads and managers can deduct and award."),
    ("A001", "award", "A002 contest", "Only team leads and managers can deduct and award."),
    ("A001", "award", "<@U001> 5 great day", "Nobody can deduct from or award themselves."),
    ("L01", "deduct", "<@U003> late", "Zhao Lei is not on a team you lead."),
    ("L01", "deduct", "<@U200> 2 rude in the briefing",
     "Sun Li is not an agent: a lead deducts from and awards agents only; a manager or admin can for anyone."),
    ("L02", "award", "A001 letter", "Wang Fang is not on a team you lead."),
    ("L02", "deduct", "M01 2 late to the review",
     "Ma Jun is not an agent: a lead deducts from and awards agents only; a manager or admin can for anyone."),
]


@pytest.mark.parametrize("who, kind, words, line", REFUSALS,
                         ids=[f"{who} {kind} {words[:30]}" for who, kind, words, _ in REFUSALS])
def test_a_refused_entry_writes_nothing_and_says_why_with_the_usage(ask, session, who, kind, words, line):
    given = ask(who, kind, words)
    assert (text_of(given), given.dms) == (refused(line, kind), ())
    assert ledger(session) == SCENARIO_LEDGER


def test_a_nul_character_typed_into_a_command_is_no_part_of_it(ask, session):
    """PostgreSQL refuses text holding a NUL: it is dropped, wherever in the words it is."""
    given = ask("L01", "deduct", "A0\x0001 late stuck\x00 in traffic")
    assert text_of(given) == "Recorded for Wang Fang (A001): -2 Late: stuck in traffic. Their score this month: 97.\n"
    assert ledger(session)[-1] == (6, "A001", TODAY, -2, "late", "stuck in traffic", "L01", None)
    assert text_of(ask("L01", "award", "A001 1 \x00")) == refused("Give a reason after the points.", "award")


def test_a_lead_cannot_deduct_from_a_fellow_lead_of_their_own_team(ask, session):
    """Leads act on the agents of the teams they lead; a co-lead of Team 1 is not one of them."""
    add_agent(session, "L03", name="Zhou Min", team="Team 1", role="lead", slack_user_id="U300")
    assert text_of(ask("L01", "deduct", "<@U300> 2 late to the briefing")) == refused(
        "Zhou Min is not an agent: a lead deducts from and awards agents only; a manager or admin can for anyone.",
        "deduct")
    assert ledger(session) == SCENARIO_LEDGER


# === undo =====================================================================================

REFUSED_UNDO = "Only whoever recorded it, or a manager, can undo it (kpibot's own entries, the agent's team lead too).\n"


def deduct_three(ask) -> None:
    """Xu Chen deducts 3 from Wang Fang: entry 6, her score 96."""
    given = ask("L01", "deduct", "<@U001> 3 talked back to a caller")
    assert text_of(given) == "Recorded for Wang Fang (A001): -3 talked back to a caller. Their score this month: 96.\n"
    ask.told(given)


@pytest.mark.parametrize("who, name", [("L01", "Xu Chen"), ("M01", "Ma Jun"), ("ADM1", "Gao Yan")])
def test_the_author_or_a_manager_undoes_an_entry_with_a_revocation(ask, session, who, name):
    deduct_three(ask)
    given = ask(who, "undo", "6")
    assert text_of(given) == "Undone: -3 talked back to a caller for Wang Fang (A001). Their score this month: 99.\n"
    assert ask.told(given) == [("entry:6:undo", "A001", f"{name} undid -3 talked back to a caller of 4 Nov. "
                                                        "Your score this month: 99.")]
    assert ledger(session) == [*SCENARIO_LEDGER, (6, "A001", TODAY, -3, None, "talked back to a caller", "L01", None),
                               (7, "A001", TODAY, 0, None, "", who, 6)]
    assert deliveries(session) == [("entry:6", "A001", "sent"), ("entry:6:undo", "A001", "sent")]


def test_after_an_undo_the_score_is_back_and_the_entry_shows_undone(ask):
    deduct_three(ask)
    ask("L01", "undo", "6")
    score = WANG_SCORE.replace("Xu Chen (undone)", "Xu Chen (undone)\n  -3 talked back to a caller · 4 Nov · "
                                                   "Xu Chen (undone)")
    assert text_of(ask("A001", "mystats")) == stats_text(WANG, WANG_4_NOV, WANG_NOVEMBER, score, FIRST)


@pytest.mark.parametrize("who", ["L02", "A001"])
def test_another_lead_or_the_agent_cannot_undo(ask, session, who):
    deduct_three(ask)
    given = ask(who, "undo", "6")
    assert (text_of(given), given.dms) == (REFUSED_UNDO, ())
    assert len(ledger(session)) == 6


def test_a_second_undo_says_it_is_already_undone(ask, session):
    deduct_three(ask)
    ask("L01", "undo", "6")
    assert text_of(ask("M01", "undo", "6")) == "That entry is already undone.\n"
    assert len(ledger(session)) == 7


def test_a_closed_months_entry_is_undone_by_an_admin_alone_and_the_agent_told_the_final_score(ask, session):
    """October's month-end round has gone out: its entries change only by an admin's hand."""
    wang = session.exec(select(Agent).where(Agent.employee_id == "A001")).one()
    xu = session.exec(select(Agent).where(Agent.employee_id == "L01")).one()
    add_entry(session, wang, date(2026, 10, 20), -3, code="late", note="", author=xu)  # entry 6
    session.add(JobRun(job="month-end", period="2026-10", status="done"))
    session.commit()
    for who in ("L01", "M01"):
        given = ask(who, "undo", "6")
        assert (text_of(given), given.dms) == (
            "2026-10 is closed (its month-end round has gone out): only an admin can change its entries.\n", ())
    assert len(ledger(session)) == 6

    given = ask("ADM1", "undo", "6")
    assert text_of(given) == ("Undone in October 2026, which was closed: -3 Late for Wang Fang (A001). Their final "
                              "score for October 2026 is now 100; they have been told.\n")
    assert ask.told(given) == [("entry:6:undo", "A001", "Gao Yan corrected October 2026, which was closed: -3 Late "
                                                        "of 20 Oct is undone. Your final score for October 2026 is "
                                                        "now 100.")]
    assert ledger(session)[-1] == (7, "A001", TODAY, 0, "late", "", "ADM1", 6)


@pytest.mark.parametrize("value", ["999", "4", "six", ""])
def test_undoing_an_entry_that_is_not_there_says_so(ask, session, value):
    """Entry 4 is itself a revocation; 999 does not exist; "six" is not an entry ID."""
    assert text_of(ask("M01", "undo", value)) == "That entry no longer exists.\n"
    assert ledger(session) == SCENARIO_LEDGER


# === /leaderboard =============================================================================

@pytest.mark.parametrize("who, you", ids=["first", "second", "unranked"], argvalues=[
    ("A001", "You: rank 1 of 2, 14.4%."),
    ("A002", "You: rank 2 of 2, 8.7%."),
    ("A003", "You are not ranked this month."),  # Zhao Lei's first week
])
def test_the_leaderboard_shows_the_top_and_only_the_callers_own_rank(ask, who, you):
    assert text_of(ask(who, "leaderboard")) == f"{BOARD}\n{TOP}\n\n{you}\n"


def test_an_agent_leaving_this_month_is_not_ranked_and_is_told_why(ask, session):
    """Li Na's leave date is Tue 3 Nov: November ranks Wang Fang alone, and Li Na still sees her
    own numbers. Her quota is her 2 assessed days, 2 x 50 = 100 calls and 2 x 120 = 240 min:
    90 / 100 = 90.0 %, 220 / 240 = 91.7 %, mean 90.8 %; 10 calls and 20 min short."""
    change(session, "A002", leave_date=date(2026, 11, 3))
    top = " 1. Wang Fang · Team 1 · 14.4%"
    assert text_of(ask("A002", "leaderboard")) == (
        f"{BOARD}\n{top}\n\nYou are not ranked this month: your leave date, 3 Nov, is in it.\n")
    assert text_of(ask("A002", "mystats")) == stats_text(
        LI, "Wed 4 Nov: not on the roster that day.",
        "November 2026 up to Wed 4 Nov: 90 of 100 calls, 220 of 240 talk minutes\n"
        "  Quota pro-rated: 2 of 21 working days assessed.\n"
        "  calls █████████░ 90.0% · talk █████████░ 91.7%\n"
        "  Attainment 90.8%.\n"
        "  Left on 3 Nov: 10 calls and 20 min short of the pro-rated quota.",
        "Score 97 (base 100)\n"
        "  -3 left at 16:30 without asking · 3 Nov · Xu Chen",
        "Not ranked: your leave date, 3 Nov, is in this month, and nobody is ranked in the month they leave.")
    assert text_of(ask("A001", "leaderboard")) == f"{BOARD}\n{top}\n\nYou: rank 1 of 1, 14.4%.\n"


@pytest.mark.parametrize("who", ["L01", "M01"])
def test_a_lead_or_manager_sees_the_leaderboard_without_a_rank_of_their_own(ask, who):
    assert text_of(ask(who, "leaderboard")) == f"{BOARD}\n{TOP}\n"


def test_the_leaderboard_of_a_past_month(ask):
    top = " 1. Wang Fang · Team 1 · 0.0%\n 1. Li Na · Team 1 · 0.0%"  # a tie shares the rank
    assert text_of(ask("A001", "leaderboard", "2026-10")) == (
        f"Leaderboard, October 2026, by attainment\n{top}\n\nYou: rank 1 of 2, 0.0%.\n")


def test_the_leaderboard_shows_the_policys_number_of_places(ask, session):
    """Twelve more agents, Extra 01 to 12, at 20 % to 75 %: calls and minutes both k % of the
    veteran's November, 1,260 calls and 3,150 min: 1,260 k / 100 = 63 k / 5 calls and
    3,150 k / 100 = 31.5 k min = 63 k × 30 s (k = 20: 252 calls and 630 min). The policy shows ten
    places, Li Na sees her own 14th."""
    for n in range(1, 13):
        k = 15 + 5 * n
        extra = add_agent(session, f"B{n:03d}", name=f"Extra {n:02d}", team="Team 2")
        session.add(DailyStat(agent_id=extra.id, day=date(2026, 11, 2), calls=63 * k // 5, talk_seconds=63 * k * 30))
    session.commit()
    top = "\n".join(f"{rank:2d}. Extra {13 - rank:02d} · Team 2 · {80 - 5 * rank}.0%" for rank in range(1, 11))
    assert top.split("\n")[::9] == [" 1. Extra 12 · Team 2 · 75.0%", "10. Extra 03 · Team 2 · 30.0%"]
    assert text_of(ask("A002", "leaderboard")) == f"{BOARD}\n{top}\n\nYou: rank 14 of 14, 8.7%.\n"


@pytest.mark.parametrize("words", ["2026-13", "November", "2026-11-04", "26-11"])
def test_the_leaderboard_of_a_bad_month_says_so(ask, words):
    assert text_of(ask("A001", "leaderboard", words)) == refused(f"'{words}' is not a month: use YYYY-MM.",
                                                                 "leaderboard")


def test_the_leaderboard_of_a_month_to_come_says_so(ask):
    line = "'2026-12' has not come yet: ask about this month or one before."
    assert text_of(ask("A001", "leaderboard", "2026-12")) == refused(line, "leaderboard")


# === /teamstats ===============================================================================

@pytest.mark.parametrize("who, digests", [
    ("L01", [TEAM_1]), ("L02", [TEAM_2]), ("M01", [OFFICE, TEAM_1, TEAM_2]), ("ADM1", [OFFICE, TEAM_1, TEAM_2]),
], ids=["lead of Team 1", "lead of Team 2", "manager", "admin"])
def test_teamstats_shows_a_lead_their_teams_and_a_manager_every_team(ask, who, digests):
    assert text_of(ask(who, "teamstats")) == "\n\n".join(digests) + "\n"


@pytest.mark.parametrize("words", ["2026-11-03", "yesterday", "昨天"])
def test_teamstats_of_an_earlier_day_puts_the_furthest_behind_first(ask, words):
    # Tue 3 Nov: Li Na 40 / 50 calls and 100 / 120 min (81.7 %); Wang Fang 66 calls, 144 / 150 min.
    # The month up to the 3rd: Li Na 90 / 1,050 and 220 / 2,520, 8.7 %; Wang Fang 126 / 1,260 = 10.0 %
    # and 294 / 3,150 = 9.3 %, 9.7 %.
    assert text_of(ask("L01", "teamstats", words)) == ("Team 1, Tue 3 Nov: 0 of 2 met the daily quota.\n"
                                                       "Behind:\n"
                                                       "  Li Na (A002): short by 10 calls and 20 min · month 8.7%\n"
                                                       "  Wang Fang (A001): short by 6 min · month 9.7%\n")


@pytest.mark.parametrize("who", ["A001", "A003"])
def test_teamstats_refuses_an_agent(ask, who):
    assert text_of(ask(who, "teamstats")) == refused("/teamstats is for team leads and managers.", "teamstats")


@pytest.mark.parametrize("words", ["2026-11", "2026-02-30", "4 Nov", "tomorrow"])
def test_teamstats_of_a_bad_date_says_so(ask, words):
    line = f"'{words}' is not a day: use today, yesterday or YYYY-MM-DD."
    assert text_of(ask("L01", "teamstats", words)) == refused(line, "teamstats")


def test_teamstats_of_a_day_to_come_says_so(ask):
    line = "'2026-11-05' has not come yet: ask about today or a day before."
    assert text_of(ask("L01", "teamstats", "2026-11-05")) == refused(line, "teamstats")
