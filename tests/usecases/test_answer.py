"""The one answer behind every door, asked directly: what each person may ask, what is refused
and why, and the DMs an answer causes, sent through a recording platform.

The center is the one of tests/usecases/conftest.py on Wednesday 4 November 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from bot.outbox import deliveries
from bot.outbox.platforms import Platforms, write
from bot.store import queries
from bot.store.models import Agent, Delivery, LedgerEntry, StatsPull
from bot.usecases.answer import Answer, Request, answer, command_of, home
from said import TODAY
from messages.render import render
from messages.slack import view
from recording import RecordingPlatform



def said(given: Answer) -> str:
    return render(given.template, given.locale, **given.context)


def problem(given: Answer) -> str | None:
    return given.problem.code if given.problem else None


def ledger(session) -> list[tuple]:
    return [(e.agent_id, e.points, e.code, e.reason, e.revokes_id)
            for e in session.exec(select(LedgerEntry).order_by(LedgerEntry.id)).all()]


# --- deductions and awards, as typed ----------------------------------------------------------

@pytest.mark.parametrize("words, points, code, note", [
    ("A001 late", -2, "late", ""),
    ("a001 LATE traffic", -2, "late", "traffic"),
    ("A001 late, traffic on the ring road", -2, "late", "traffic on the ring road"),
    ("A001 迟到", -2, "late", ""),
    ("A001 迟到，晚了10分钟", -2, "late", "晚了10分钟"),
    ("A001 迟到晚了10分钟", -2, "late", "晚了10分钟"),  # Chinese needs no space before the note
    ("A001 Private phone call", -1, "phone", ""),
    ("A001 private phone call: from home", -1, "phone", "from home"),
    ("A001 挂、接私人电话", -1, "phone", ""),
    ("A001 3 talked back to a caller", -3, None, "talked back to a caller"),
])
def test_a_lead_names_a_deduction_by_its_code_or_its_label_in_either_language(ask, session, people,
                                                                               words, points, code, note):
    given = ask("L01", "deduct", words)
    assert (given.template, problem(given)) == ("points_confirmation", None)
    wang = people["wang"].id
    assert ledger(session)[-1] == (wang, points, code, note, None)
    assert [(n.key, n.to.employee_id, n.template) for n in given.dms] == [
        (f"entry:{given.undo}", "A001", "points_notice")]


@pytest.mark.parametrize("kind, words, code", [
    ("award", "A001 迟到", "command.wrong_kind"),  # a deduction's label, given as an award
    ("deduct", "A001 Praised by a customer's call", "command.wrong_kind"),
    ("deduct", "A001 lateness", "command.unknown_code"),  # a code is a whole word
    ("deduct", "A001 迟", "command.unknown_code"),
])
def test_a_label_of_the_other_kind_or_none_is_refused_and_writes_nothing(ask, session, kind, words, code):
    before = ledger(session)
    given = ask("L01", kind, words)
    assert (given.template, problem(given), given.dms) == ("command_error", code, ())
    assert ledger(session) == before


def test_the_refusal_says_what_to_type_instead(ask):
    assert said(ask("L01", "award", "A001 迟到")) == (
        "'迟到' is a code for /deduct: use /deduct @agent 迟到.\n"
        "Usage: /award @agent POINTS REASON…  or  /award @agent CODE [NOTE…]\n")


# --- who may ask what ---------------------------------------------------------------------------

@pytest.mark.parametrize("who, template, code", [
    ("L01", "points_form", None), ("M01", "points_form", None), ("ADM1", "points_form", None),
    ("A001", "command_error", "command.refused_agent"),
])
def test_deduct_alone_offers_the_catalogue_to_leads_and_managers_only(ask, who, template, code):
    given = ask(who, "deduct")
    assert (given.template, problem(given)) == (template, code)
    if given.form:
        assert given.form == "deduct"
        assert [item.code for item in given.context["items"]][:3] == ["chat", "snack", "desk"]


def test_the_catalogue_reads_as_text_where_there_is_no_form(ask):
    lines = said(ask("L01", "award")).splitlines()
    assert lines[:3] == ["Usage: /award @agent POINTS REASON…  or  /award @agent CODE [NOTE…]", "Codes:",
                         "  contest · +5 Labour contest winner or top three for the company"]
    assert len(lines) == 2 + 11  # the seeds' eleven awards


@pytest.mark.parametrize("who, ranked", [("A001", True), ("A003", True), ("L01", False), ("M01", False)])
def test_only_agents_see_their_own_place_beside_the_leaderboard(ask, who, ranked):
    assert ("you" in ask(who, "leaderboard").context) is ranked


@pytest.mark.parametrize("who, teams", [
    ("L01", ["Team 1"]), ("L02", ["Team 2"]), ("M01", ["Office", "Team 1", "Team 2"]),
    ("ADM1", ["Office", "Team 1", "Team 2"]),
])
def test_teamstats_shows_the_teams_a_person_may_see(ask, who, teams):
    given = ask(who, "teamstats")
    assert [d.team for d in given.context["digests"]] == teams


def test_an_agent_is_refused_teamstats(ask):
    assert problem(ask("A001", "teamstats")) == "command.no_teams"


@pytest.mark.parametrize("words, day", [
    ("", TODAY), ("today", TODAY), ("今天", TODAY), ("yesterday", date(2026, 11, 3)), ("昨天", date(2026, 11, 3)),
    ("YESTERDAY", date(2026, 11, 3)), ("2026-11-02", date(2026, 11, 2)),
])
def test_teamstats_takes_the_day_words_mystats_takes(ask, words, day):
    given = ask("L01", "teamstats", words)
    assert (problem(given), [d.day for d in given.context["digests"]]) == (None, [day])


@pytest.mark.parametrize("words, code", [
    ("2026-11-05", "command.future"), ("tomorrow", "command.bad_day"), ("2026-11", "command.bad_day"),
])
def test_teamstats_of_a_day_to_come_or_no_day_is_refused(ask, words, code):
    assert problem(ask("L01", "teamstats", words)) == code


@pytest.mark.parametrize("who, commands", [
    ("A001", ["mystats", "leaderboard", "appeal"]),
    ("L01", ["mystats", "leaderboard", "teamstats", "deduct", "award", "undo"]),
    ("M01", ["mystats", "leaderboard", "teamstats", "deduct", "award", "undo", "pending", "approve", "decline",
             "accept", "reject"]),
])
def test_help_lists_what_this_person_may_use(ask, who, commands):
    given = ask(who, "help")
    assert given.context["commands"] == commands
    assert said(given).splitlines()[-1] == "  help: this list"


def test_an_unknown_command_is_echoed_with_what_is_understood(ask):
    given = ask("A001", "mystatz")
    assert said(given).splitlines()[:2] == ["I don't know 'mystatz'.", "What I understand:"]


@pytest.mark.parametrize("word, command", [("MyStats", "mystats"), ("我的数据", "mystats"), ("扣分", "deduct"),
                                           ("加分", "award"), ("排行榜", "leaderboard"), ("班组数据", "teamstats"),
                                           ("撤销", "undo"), ("帮助", "help"), ("？", "help")])
def test_commands_have_chinese_names_too(word, command):
    assert command_of(word) == command


# --- strangers and homes ---------------------------------------------------------------------------

def test_a_stranger_is_told_whom_to_ask_and_their_id_on_the_platform(session, center, people):
    given = answer(session=session, center=center, request=Request("mystats", "", None, "U555", "slack"),
                   today=TODAY)
    assert said(given) == ("You are not on kpibot's roster yet, so there is nothing to show. Ask Gao Yan, Ma Jun "
                           "to add you (your Slack ID is U555).\n")


@pytest.mark.parametrize("who, shows", [("A001", "v"), ("L01", "digests"), ("M01", "digests")])
def test_a_home_shows_an_agent_their_stats_and_anyone_else_their_teams(session, center, people, who, shows):
    person = queries.agent_by_employee_id(session=session, employee_id=who)
    given = home(session=session, center=center, request=Request("home", "", person), today=TODAY)
    assert bool(given.context["v"]) == (shows == "v")
    assert bool(given.context["digests"]) == (shows == "digests")


# --- when the numbers were last pulled ---------------------------------------------------------------

AS_OF = "Numbers as of 15:02 today."


@pytest.fixture
def pulled_at_two_past_three(session) -> None:
    session.add(StatsPull(name="2026-11-04.csv", sha256="0" * 64, pulled_at=datetime(2026, 11, 4, 7, 2, tzinfo=UTC)))
    session.commit()


@pytest.mark.parametrize("words, shown", [
    ("", True), ("today", True), ("今天", True), ("month", True),  # views that run to today
    ("yesterday", False), ("2026-11-03", False), ("2026-10", False),  # days and months gone by
])
def test_mystats_says_when_the_numbers_were_pulled_on_views_of_today(ask, pulled_at_two_past_three, words, shown):
    assert (AS_OF in said(ask("A001", "mystats", words))) == shown


def test_the_app_home_says_it_too(session, center, people, pulled_at_two_past_three):
    given = home(session=session, center=center, request=Request("home", "", people["wang"]), today=TODAY)
    assert view("home", given.locale, **given.context)["blocks"][1] == {
        "type": "context", "elements": [{"type": "mrkdwn", "text": AS_OF}]}


# --- the DMs an answer causes, sent once --------------------------------------------------------------

def test_an_entry_and_its_undo_each_tell_the_agent_once(ask, session, engine):
    recording = RecordingPlatform()
    platforms = Platforms([recording])

    def send(given: Answer) -> None:
        keys = write(session=session, platforms=platforms, notes=given.dms)
        deliveries.deliver(engine, platforms, keys)

    recorded = ask("L01", "deduct", "A001 late")
    send(recorded)
    send(recorded)  # a door that hands the same DMs over twice sends nothing twice
    undone = ask("L01", "undo", str(recorded.undo))
    send(undone)
    entry = recorded.undo
    assert recording.sent == [
        (f"entry:{entry}", "A001", "Xu Chen deducted 2 points from you: Late. Your score this month: 97.\n"
                                   f"To appeal it, type: appeal {entry} YOUR REASON"),
        (f"entry:{entry}:undo", "A001", "Xu Chen undid -2 Late of 4 Nov. Your score this month: 99."),
    ]
    assert ask("L01", "undo", str(entry)).problem.code == "command.already_undone"
    with Session(engine) as fresh:
        assert {d.key: (d.status, d.platform) for d in fresh.exec(select(Delivery)).all()} == {
            f"entry:{entry}": ("sent", "recording"), f"entry:{entry}:undo": ("sent", "recording")}


def test_a_manager_with_no_team_sees_every_team_and_records_for_anyone(session, ask, people):
    """A real roster often leaves a manager's 班组 empty: they act and see as any manager does."""
    session.add(Agent(employee_id="M09", name="Qian Ming", team_id=None, role="manager", hire_date=date(2017, 6, 1)))
    session.commit()
    assert [d.team for d in ask("M09", "teamstats").context["digests"]] == ["Office", "Team 1", "Team 2"]
    assert ask("M09", "award", "A003 letter").template == "points_confirmation"
    assert problem(ask("M09", "mystats")) == "command.no_quota"
    assert ask("M09", "help").context["commands"][-1] == "reject"
