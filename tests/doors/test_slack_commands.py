"""kpibot on Slack, end to end over real HTTP: how each slash command, the Undo button, the modal,
App Home and who is who reach the one answer and go back to Slack, against a stand-in for the
Slack Web API that records every call. What each answer says, for every case, is
tests/usecases/test_commands.py; here, one of each as Slack carries it.

The center is tests/scenario.py (Wednesday 4 November 2026, 10:00 in Shanghai) with Slack IDs
and a few more people:

    U100 Xu Chen (L01), lead of Team 1      U001 Wang Fang (A001), Team 1, veteran
    U200 Sun Li (L02), lead of Team 2       U002 Li Na (A002), Team 1, new hire
    U900 Ma Jun (M01), manager, Office      U003 Zhao Lei (A003), Team 2, first week
    U901 Gao Yan (ADM1), admin, Office

Every number is worked out by hand in tests/support/said.py.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time
from sqlmodel import select

import scenario
from bot.store.models import Agent, DailyStat, Delivery, LedgerEntry, StatsPull, Team
from factories import add_agent
from said import (
    BOARD, FIRST, LI, NOT_ON_ROSTER, OFFICE, SCENARIO_LEDGER, TEAM_1, TEAM_2, TODAY, TOP, TRY_AGAIN, USAGE, WANG, WANG_4_NOV,
    WANG_NOVEMBER, WANG_SCORE,
)
from said import LI_TODAY as LI_TODAY_PARTS
from slack_fixtures import serving, slack  # noqa: F401

NOV_4 = freeze_time("2026-11-04 10:00:00+08:00", tick=True)  # a ticking clock: real HTTP times out


# --- kpibot serving against the stand-in ----------------------------------------------------


@pytest.fixture
def world(slack):  # noqa: F811
    """The scenario's center, with Slack IDs, a second lead, a manager and an admin."""
    with slack.session() as session:
        people = scenario.build(session)
        for key, user_id in (("lead", "U100"), ("li", "U002"), ("zhao", "U003")):
            people[key].slack_user_id = user_id
            session.add(people[key])
        session.commit()
        add_agent(session, "L02", name="Sun Li", team="Team 2", role="lead", slack_user_id="U200")
        add_agent(session, "M01", name="Ma Jun", team="Office", role="manager", slack_user_id="U900")
        add_agent(session, "ADM1", name="Gao Yan", team="Office", role="admin", slack_user_id="U901")
    return slack


# --- talking to kpibot ------------------------------------------------------------------------


def made(slack, since: int) -> list[tuple[str, dict]]:
    """The Web API calls (and response_url posts) recorded since call number `since`."""
    return [(call.method, call.body) for call in slack.standin.calls[since:]]


def command(slack, name: str, text: str, user: str) -> list[tuple[str, dict]]:
    """A slash command: Slack gets its empty 200 at once; then the calls the work made."""
    since = len(slack.standin.calls)
    assert slack.requests.command(name, text, user) == (200, "")
    slack.settle()
    return made(slack, since)


def press_undo(slack, user: str, entry_id: int | str) -> list[tuple[str, dict]]:
    since = len(slack.standin.calls)
    assert slack.requests.button(user, "undo_entry", str(entry_id)) == (200, "")
    slack.settle()
    return made(slack, since)


def submit(slack, user: str, view: dict, values: dict) -> tuple[tuple[int, dict | str], list]:
    """Submit the modal: kpibot's HTTP answer (JSON read), then the calls made after it."""
    since = len(slack.standin.calls)
    status, body = slack.requests.submit(user, view, values)
    slack.settle()
    return (status, json.loads(body) if body else body), made(slack, since)


def home_opened(slack, user: str, **delivery) -> list[tuple[str, dict]]:
    since = len(slack.standin.calls)
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
             "event_ts": "1793764800.000100"}
    assert slack.requests.event(event, **delivery) == (200, "")
    slack.settle()
    return made(slack, since)


def form(user: str = "U001", code: str | None = None, points: str | None = None,
         note: str | None = None) -> dict:
    """The modal's state values, shaped as Slack sends them (empty optional inputs are null)."""
    option = {"text": {"type": "plain_text", "text": code, "emoji": True}, "value": code} if code else None
    return {"agent": {"type": "users_select", "selected_user": user},
            "code": {"type": "static_select", "selected_option": option},
            "points": {"type": "number_input", "value": points},
            "note": {"type": "plain_text_input", "value": note}}


# --- what kpibot says -------------------------------------------------------------------------

def as_sent(text: str) -> str:
    """Plain text as kpibot hands it to Slack: &, < and > escaped, no newline at the end."""
    return text.rstrip("\n").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def said(text: str, blocks: list | None = None) -> tuple[str, dict]:
    """An ephemeral answer on the command's response_url: the text, and its blocks (one section
    of the same text when the answer has no layout of its own)."""
    return ("respond", {"text": as_sent(text), "blocks": blocks or [section(as_sent(text))],
                        "response_type": "ephemeral"})


def refused(line: str, command_name: str) -> tuple[str, dict]:
    """One line saying what is wrong, then the usage line."""
    return said(f"{line}\n{USAGE[command_name]}\n")


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def bold_first(text: str) -> str:
    first, _, rest = text.partition("\n")
    return f"*{first}*" + (f"\n{rest}" if rest else "")


def stats_answer(heading: str, *parts: str, rank: str) -> tuple[str, list]:
    """/mystats: the text fallback and the blocks (a header, a section a part, the rank)."""
    text = "\n\n".join([heading, *parts, rank]) + "\n"
    return text, [header(heading), *(section(bold_first(p)) for p in parts), context(rank)]


def teams_answer(*digests: str) -> tuple[str, list]:
    """/teamstats: one digest a team, one section each."""
    return "\n\n".join(digests) + "\n", [section(bold_first(d)) for d in digests]


def confirmation(text: str, entry_id: int) -> list:
    return [section(text), {"type": "actions", "elements": [
        {"type": "button", "action_id": "undo_entry", "value": str(entry_id),
         "text": {"type": "plain_text", "text": "Undo"}}]}]


def opened(user: str) -> tuple[str, dict]:
    return ("conversations.open", {"users": user})


def dm(channel: str, text: str, key: str) -> tuple[str, dict]:
    """A DM from the outbox: the message carries its delivery key as metadata."""
    return ("chat.postMessage", {"channel": channel, "text": as_sent(text), "unfurl_links": False,
                                 "metadata": {"event_type": "kpibot_delivery", "event_payload": {"key": key}}})


def notice(channel: str, text: str, key: str, appeal: int | None = None) -> tuple[str, dict]:
    """The DM telling an agent of an entry: its text and blocks, with the Appeal button on a
    deduction that counts (`appeal`, the entry's number)."""
    blocks = [section(as_sent(text))]
    if appeal is not None:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": "appeal_entry", "value": str(appeal),
             "text": {"type": "plain_text", "text": "Appeal"}}]})
    return ("chat.postMessage", {**dm(channel, text, key)[1], "blocks": blocks})


def users_info(user: str) -> tuple[str, dict]:
    return ("users.info", {"user": user})


# --- what kpibot wrote ------------------------------------------------------------------------

def ledger(slack) -> list[tuple]:
    """Every ledger row: id, agent, day, points, code, reason, author, what it revokes."""
    with slack.session() as session:
        ids = dict(session.exec(select(Agent.id, Agent.employee_id)).all())
        return [(e.id, ids[e.agent_id], e.day, e.points, e.code, e.reason, ids.get(e.author_id), e.revokes_id)
                for e in session.exec(select(LedgerEntry).order_by(LedgerEntry.id))]


def deliveries(slack) -> list[tuple]:
    with slack.session() as session:
        return [(d.key, d.recipient, d.status, d.attempts, d.last_error)
                for d in session.exec(select(Delivery).order_by(Delivery.id))]


def agent(slack, employee_id: str) -> Agent:
    with slack.session() as session:
        return session.exec(select(Agent).where(Agent.employee_id == employee_id)).one()


def change(slack, employee_id: str, **fields) -> None:
    """Edit one roster row, as a roster import would."""
    with slack.session() as session:
        row = session.exec(select(Agent).where(Agent.employee_id == employee_id)).one()
        for name, value in fields.items():
            setattr(row, name, value)
        session.add(row)
        session.commit()


# === /mystats =================================================================================

@pytest.mark.parametrize("words", [""])
@NOV_4
def test_mystats_shows_today_and_the_month_to_date(world, words):
    text, blocks = stats_answer(WANG, WANG_4_NOV, WANG_NOVEMBER, WANG_SCORE, rank=FIRST)
    assert command(world, "/mystats", words, "U001") == [said(text, blocks)]


@NOV_4
def test_mystats_says_when_the_numbers_were_last_pulled(world):
    with world.session() as session:
        session.add(StatsPull(name="2026-11-04.csv", sha256="0" * 64, pulled_at=datetime(2026, 11, 4, 1, 45, tzinfo=UTC)))
        session.commit()
    as_of = "Numbers as of 09:45 today."
    text = f"{WANG}\n{as_of}\n\n{WANG_4_NOV}\n\n{WANG_NOVEMBER}\n\n{WANG_SCORE}\n\n{FIRST}\n"
    blocks = [header(WANG), context(as_of), *(section(bold_first(p)) for p in (WANG_4_NOV, WANG_NOVEMBER, WANG_SCORE)),
              context(FIRST)]
    assert command(world, "/mystats", "", "U001") == [said(text, blocks)]
    (_, yesterday), = command(world, "/mystats", "yesterday", "U001")
    assert as_of not in yesterday["text"]


@pytest.mark.parametrize("user", ["U100"])
@NOV_4
def test_mystats_for_someone_without_a_quota_says_so(world, user):
    line = "You have no quota of your own: quotas are for agents. Try /teamstats."
    assert command(world, "/mystats", "", user) == [refused(line, "mystats")]


# === /deduct and /award =======================================================================


GIVEN = [  # how a mention reaches the answer; every other form: tests/usecases/test_commands.py
    ("/deduct", "<@U001> 3 talked back to a caller", -3, None, "talked back to a caller",
     "-3 talked back to a caller", 96, "Xu Chen deducted 3 points from you: talked back to a caller"),
    ("/deduct", "<@U001|wang.fang> late", -2, "late", "", "-2 Late", 97,
     "Xu Chen deducted 2 points from you: Late"),
    ("/award", "<@U001> 1 stayed to cover the evening queue", 1, None, "stayed to cover the evening queue",
     "+1 stayed to cover the evening queue", 100, "Xu Chen awarded you 1 point: stayed to cover the evening queue"),
]


@pytest.mark.parametrize("name, words, points, code, reason, shown, score, told", GIVEN,
                         ids=[f"{row[0]} {row[1]}" for row in GIVEN])
@NOV_4
def test_a_lead_records_an_entry_for_an_agent_of_their_team(world, name, words, points, code, reason,
                                                             shown, score, told):
    confirmed = f"Recorded for Wang Fang (A001): {shown}. Their score this month: {score}."
    assert command(world, name, words, "U100") == [
        said(confirmed + "\n", confirmation(confirmed, 6)),
        opened("U001"),
        notice("DU001", f"{told}. Your score this month: {score}.\n", "entry:6", 6 if points < 0 else None),
    ]
    assert ledger(world) == [*SCENARIO_LEDGER, (6, "A001", TODAY, points, code, reason, "L01", None)]
    assert deliveries(world) == [("entry:6", "A001", "sent", 1, None)]


@NOV_4
def test_a_second_dm_to_the_same_person_reuses_the_remembered_channel(world):
    command(world, "/deduct", "<@U001> late", "U100")
    assert agent(world, "A001").slack_dm_channel == "DU001"
    confirmed = "Recorded for Wang Fang (A001): -1 Private phone call. Their score this month: 96."
    assert command(world, "/deduct", "A001 phone", "U100") == [
        said(confirmed + "\n", confirmation(confirmed, 7)),
        notice("DU001", "Xu Chen deducted 1 point from you: Private phone call. Your score this month: 96.\n",
               "entry:7", 7),
    ]
    assert len(world.standin.of("conversations.open")) == 1


@NOV_4
def test_what_slack_escaped_is_kept_as_typed_and_escaped_once_when_shown(world):
    """Slack sends "Q&A <b>" as "Q&amp;A &lt;b&gt;": the ledger keeps what the lead typed."""
    confirmed = "Recorded for Wang Fang (A001): -2 skipped the Q&A <b> session. Their score this month: 97."
    assert command(world, "/deduct", "<@U001> 2 skipped the Q&amp;A &lt;b&gt; session", "U100") == [
        said(confirmed + "\n", confirmation(as_sent(confirmed), 6)),
        opened("U001"),
        notice("DU001", "Xu Chen deducted 2 points from you: skipped the Q&A <b> session. "
                        "Your score this month: 97.\n", "entry:6", 6),
    ]
    assert ledger(world)[-1] == (6, "A001", TODAY, -2, None, "skipped the Q&A <b> session", "L01", None)


@pytest.mark.parametrize("words", ["<@U001|Wang Fang> late", "a001 late", "  A001   late  "])
@NOV_4
def test_an_agent_is_named_by_a_mention_with_a_spaced_label_or_an_id_in_any_case(world, words):
    command(world, "/deduct", words, "U100")
    assert ledger(world)[-1] == (6, "A001", TODAY, -2, "late", "", "L01", None)


@NOV_4
def test_an_agent_known_by_email_only_is_found_for_their_dm(li_by_email):
    """Named by employee ID, Li Na has no Slack ID yet: her DM looks her up by email, once."""
    slack = li_by_email
    confirmed = "Recorded for Li Na (A002): -2 Late. Their score this month: 95."
    assert command(slack, "/deduct", "A002 late", "U100") == [
        said(confirmed + "\n", confirmation(confirmed, 6)),
        ("users.lookupByEmail", {"email": "li.na@example.com"}),
        opened("U002"),
        notice("DU002", "Xu Chen deducted 2 points from you: Late. Your score this month: 95.\n", "entry:6", 6),
    ]
    assert agent(slack, "A002").slack_user_id == "U002"
    assert deliveries(slack) == [("entry:6", "A002", "sent", 1, None)]


@NOV_4
def test_an_agent_slack_does_not_know_by_email_gets_no_dm_and_the_lead_is_told(li_by_email):
    slack = li_by_email
    slack.standin.users.clear()
    calls = command(slack, "/deduct", "A002 late", "U100")
    assert [method for method, _ in calls] == ["respond", "users.lookupByEmail", "respond"]
    assert calls[-1] == said("Li Na could not be told by DM: Slack has no user for them. Tell them yourself, "
                             "and put their slack_user_id or Slack email in the roster.\n")
    assert deliveries(slack) == [("entry:6", "A002", "failed", 1, "A002 has no Slack user")]
    assert ledger(slack)[-1] == (6, "A002", TODAY, -2, "late", "", "L01", None)


@NOV_4
def test_a_dm_slack_refuses_for_good_is_said_to_the_lead(world):
    world.standin.script("chat.postMessage", 200, {"ok": False, "error": "cannot_dm_bot"})
    calls = command(world, "/deduct", "<@U001> late", "U100")
    assert calls[-1] == said("Wang Fang could not be told by DM: Slack refused it. Tell them yourself; "
                             "kpibot jobs status shows why.\n")
    assert deliveries(world) == [("entry:6", "A001", "failed", 1, "cannot_dm_bot")]


@NOV_4
def test_a_mention_label_holding_an_escaped_bracket_is_still_one_mention(world):
    command(world, "/deduct", "<@U001|Tom &amp; Jerry &lt;x&gt;> 1 label &lt;b&gt;", "U100")
    assert ledger(world)[-1] == (6, "A001", TODAY, -1, None, "label <b>", "L01", None)


@NOV_4
def test_the_confirmation_speaks_the_authors_language_and_the_dm_the_agents(world):
    change(world, "L01", locale="zh-CN")
    confirmed = "已为Wang Fang（A001）记录：-2 迟到。其本月得分：97。"
    buttons = confirmation(confirmed, 6)
    buttons[1]["elements"][0]["text"]["text"] = "撤销"
    assert command(world, "/deduct", "<@U001> late", "U100") == [
        said(confirmed + "\n", buttons),
        opened("U001"),
        notice("DU001", "Xu Chen deducted 2 points from you: Late. Your score this month: 97.\n", "entry:6", 6),
    ]
    change(world, "A001", locale="zh-CN")
    assert command(world, "/award", "A001 call", "U100")[-1] == notice(
        "DU001", "Xu Chen给你加了 1 分：受用户来电表扬。你的本月得分：98。\n", "entry:7")


REFUSALS = [  # the rest of them: tests/usecases/test_commands.py
    # who, command, text, the one line, any Web API call made before answering
    ("U100", "/deduct", "<@U999> 2 rude to a caller",
     "I don't know <@U999>: name an agent with an @mention or an employee ID from the roster.", [users_info("U999")]),
    ("U100", "/deduct", "<@U999|ghost> late",
     "I don't know <@U999>: name an agent with an @mention or an employee ID from the roster.", [users_info("U999")]),
    ("U100", "/award", "A999 2 helped a colleague",
     "I don't know A999: name an agent with an @mention or an employee ID from the roster.", []),
    ("U100", "/deduct", "<@U001> 2", "Give a reason after the points.", []),
    ("U001", "/deduct", "<@U002> 2 noisy neighbour", "Only team leads and managers can deduct and award.", []),
]


@pytest.mark.parametrize("user, name, words, line, first", REFUSALS,
                         ids=[f"{user} {name} {words[:30]}" for user, name, words, _, _ in REFUSALS])
@NOV_4
def test_a_refused_entry_writes_nothing_and_says_why_with_the_usage(world, user, name, words, line, first):
    assert command(world, name, words, user) == [*first, refused(line, name.lstrip("/"))]
    assert ledger(world) == SCENARIO_LEDGER
    assert deliveries(world) == []


# === Undo =====================================================================================


def deduct_three(slack) -> None:
    """Xu Chen deducts 3 from Wang Fang: entry 6, her score 96."""
    assert command(slack, "/deduct", "<@U001> 3 talked back to a caller", "U100")[0][1]["text"] == (
        "Recorded for Wang Fang (A001): -3 talked back to a caller. Their score this month: 96.")


@pytest.mark.parametrize("user, who", [("U100", "Xu Chen")])
@NOV_4
def test_the_author_or_a_manager_undoes_an_entry_with_a_revocation(world, user, who):
    deduct_three(world)
    undone = "Undone: -3 talked back to a caller for Wang Fang (A001). Their score this month: 99."
    assert press_undo(world, user, 6) == [
        ("respond", {"text": undone, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": undone}}],
                     "replace_original": True}),
        dm("DU001", f"{who} undid -3 talked back to a caller of 4 Nov. Your score this month: 99.",
           "entry:6:undo"),
    ]
    author = {"U100": "L01", "U900": "M01", "U901": "ADM1"}[user]
    assert ledger(world) == [*SCENARIO_LEDGER,
                             (6, "A001", TODAY, -3, None, "talked back to a caller", "L01", None),
                             (7, "A001", TODAY, 0, None, "", author, 6)]
    assert deliveries(world) == [("entry:6", "A001", "sent", 1, None), ("entry:6:undo", "A001", "sent", 1, None)]


ABSENCE_DUE = ("Wang Fang has been late or left early 3 times this month: every 3 count as a day's absence (001). "
               "To record it (A day's absence (late or early three times in a month), 10 points): /deduct A001 absence")


@NOV_4
def test_the_third_late_offers_the_absence_and_its_button_records_it(world):
    """Wang Fang was late on 3 Nov (entry 1); Xu Chen records two more lates: the third offers the
    day's absence (001), with a button beside Undo."""
    assert ABSENCE_DUE not in command(world, "/deduct", "<@U001> late", "U100")[0][1]["text"]
    (answer,) = [body for method, body in command(world, "/deduct", "<@U001> late", "U100") if method == "respond"]
    assert answer["text"] == "Recorded for Wang Fang (A001): -2 Late. Their score this month: 95.\n" + ABSENCE_DUE
    assert [(e["action_id"], e["value"]) for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]] \
        == [("undo_entry", "7"), ("record_absence", "A001")]

    since = len(world.standin.calls)
    assert world.requests.button("U100", "record_absence", "A001") == (200, "")
    world.settle()
    (pressed, told, _, asked) = made(world, since)
    absence = "A day's absence (late or early three times in a month)"
    assert (pressed[0], pressed[1]["text"], pressed[1]["replace_original"]) == (
        "respond", f"Recorded for Wang Fang (A001): -10 {absence}, waiting for approval: a deduction of more than 5 "
        "points counts once a manager approves it (Ma Jun asked). Their score this month stays 95.", True)
    assert told == notice("DU001", f"Xu Chen deducted 10 points from you: {absence}. A deduction of more than 5 points "
                                   "counts once a manager approves it; you will be told. Your score this month stays "
                                   "95.", "entry:8")
    assert ledger(world)[-1] == (8, "A001", TODAY, -10, "absence", "", "L01", None)
    assert ABSENCE_DUE[:40] not in command(world, "/deduct", "<@U001> early", "U100")[0][1]["text"]  # the 4th: recorded
    # 10 points wait for a manager: Ma Jun's DM has the Approve button, and pressing it makes the entry count
    assert asked[1]["text"] == (f"Xu Chen deducted 10 points from Wang Fang (A001) on 4 Nov: {absence}. A deduction of "
                                "more than 5 points counts only once a manager approves it.")
    assert [(e["action_id"], e["value"]) for b in asked[1]["blocks"] if b["type"] == "actions" for e in b["elements"]] \
        == [("approve_entry", "8"), ("decline_entry", "8")]
    since = len(world.standin.calls)
    assert world.requests.button("U900", "approve_entry", "8") == (200, "")
    world.settle()
    (pressed, *told) = made(world, since)
    assert (pressed[1]["text"], pressed[1]["replace_original"]) == (
        f"Approved: 10 points {absence} for Wang Fang (A001) counts. Their score this month: 82; they have been told.",
        True)
    assert [(body["channel"], body["text"]) for method, body in told if method == "chat.postMessage"] == [
        ("DU001", f"Ma Jun approved 10 points {absence} of 4 Nov, recorded by Xu Chen: it counts. Your score this month: "
                  "82."),
        ("DU100", f"Ma Jun approved your 10 points {absence} for Wang Fang (A001): it counts.")]


@pytest.mark.parametrize("user", ["U001"])
@NOV_4
def test_another_lead_or_the_agent_cannot_undo(world, user):
    deduct_three(world)
    assert press_undo(world, user, 6) == [said("Only whoever recorded it, or a manager, can undo it (kpibot's own "
                                               "entries, the agent's team lead too).\n")]
    assert ledger(world) == [*SCENARIO_LEDGER, (6, "A001", TODAY, -3, None, "talked back to a caller", "L01", None)]
    assert deliveries(world) == [("entry:6", "A001", "sent", 1, None)]


# === The modal ================================================================================

DEDUCT_OPTIONS = [
    ("chat", "-2 Off-topic chat with a customer"), ("snack", "-1 Eating or unrelated work at the desk"),
    ("desk", "-1 Unrelated items on the desk"), ("outsider", "-3 Brought an outsider into the workplace"),
    ("noise", "-2 Noise, horseplay or sleeping"), ("refusal", "-5 Refused an assignment"),
    ("swap", "-1 Unauthorised shift swap"), ("missed", "-10 Missed a shift through a bad swap"),
    ("phone", "-1 Private phone call"), ("handover", "-2 Improper handover"),
    ("security", "-5 Security or confidentiality breach"), ("shoes", "-1 Shoe rule"),
    ("bedding", "-1 Night-room bedding left untidy"), ("late", "-2 Late"), ("early", "-3 Left early"),
    ("phrase", "-2 Forbidden service phrase"), ("contact1", "-1 Weekly contact rate under 60% (1st)"),
    ("contact2", "-2 Weekly contact rate under 65% (2nd)"), ("contact3", "-3 Weekly contact rate under 70% (3rd)"),
    ("absence", "-10 A day's absence (late or early three times in a month)"),
]
AWARD_OPTIONS = [
    ("contest", "+5 Labour contest winner or top three for the company"),
    ("skills", "+2 Company skills contest, top three"), ("province", "+3 Provincial skills contest, top three"),
    ("media", "+10 Praised by the news media"), ("call", "+1 Praised by a customer's call"),
    ("letter", "+2 Praised in a customer's letter"), ("article", "+1 Article published"),
    ("newsletter", "+2 Helped with the newsletter"), ("test81", "+5 Quarterly skills test 81-89"),
    ("test90", "+15 Quarterly skills test 90-95"), ("test95", "+20 Quarterly skills test 95-100"),
]


def modal(kind: str, title: str, options: list[tuple[str, str]]) -> dict:
    def plain(text: str) -> dict:
        return {"type": "plain_text", "text": text}

    return {
        "type": "modal", "callback_id": "points_modal",
        "private_metadata": json.dumps({"kind": kind, "channel": "C0GENERAL"}),
        "title": plain(title), "submit": plain("Record"), "close": plain("Cancel"),
        "blocks": [
            {"type": "input", "block_id": "agent", "label": plain("Agent"),
             "element": {"type": "users_select", "action_id": "value"}},
            {"type": "input", "block_id": "code", "optional": True, "label": plain("Reason from the catalogue"),
             "element": {"type": "static_select", "action_id": "value",
                         "options": [{"value": code, "text": plain(label)} for code, label in options]}},
            {"type": "input", "block_id": "points", "optional": True, "label": plain("Or: points"),
             "element": {"type": "number_input", "action_id": "value", "is_decimal_allowed": False,
                         "min_value": "1", "max_value": "20"}},
            {"type": "input", "block_id": "note", "optional": True, "label": plain("Reason or note"),
             "element": {"type": "plain_text_input", "action_id": "value", "max_length": 300}},
        ],
    }


def open_modal(slack, name: str, user: str = "U100") -> dict:
    """/deduct or /award with no text: the view kpibot opened (checked whole by the tests below)."""
    (method, body), = command(slack, name, "", user)
    assert (method, body["trigger_id"]) == ("views.open", slack.requests.last["trigger_id"])
    return body["view"]


@pytest.mark.parametrize("name, view", [
    ("/deduct", modal("deduct", "Deduct points", DEDUCT_OPTIONS)),
    ("/award", modal("award", "Award points", AWARD_OPTIONS)),
], ids=["deduct", "award"])
@NOV_4
def test_a_command_with_no_text_opens_the_modal_with_the_trigger_id(world, name, view):
    assert open_modal(world, name) == view


@NOV_4
def test_a_lead_whose_locale_is_chinese_gets_the_modal_in_chinese(world):
    change(world, "L01", locale="zh-CN")
    view = open_modal(world, "/deduct")
    assert [view[k]["text"] for k in ("title", "submit", "close")] == ["扣分", "记录", "取消"]
    assert [b["label"]["text"] for b in view["blocks"]] == ["员工", "目录中的原因", "或：分数", "原因或备注"]
    assert view["blocks"][1]["element"]["options"][13] == {"value": "late",
                                                          "text": {"type": "plain_text", "text": "-2 迟到"}}


@NOV_4
def test_an_agent_asking_for_the_modal_is_refused_instead(world):
    line = "Only team leads and managers can deduct and award."
    assert command(world, "/deduct", "", "U001") == [refused(line, "deduct")]
    assert world.standin.of("views.open") == []


MODAL_ENTRIES = [
    ("/deduct", form("U001", code="late", note="overslept"),
     (6, "A001", TODAY, -2, "late", "overslept", "L01", None),
     "Recorded for Wang Fang (A001): -2 Late: overslept. Their score this month: 97.",
     "Xu Chen deducted 2 points from you: Late: overslept. Your score this month: 97."),
    ("/deduct", form("U001", points="3", note="talked back to a caller"),
     (6, "A001", TODAY, -3, None, "talked back to a caller", "L01", None),
     "Recorded for Wang Fang (A001): -3 talked back to a caller. Their score this month: 96.",
     "Xu Chen deducted 3 points from you: talked back to a caller. Your score this month: 96."),
    ("/award", form("U001", code="letter"),
     (6, "A001", TODAY, 2, "letter", "", "L01", None),
     "Recorded for Wang Fang (A001): +2 Praised in a customer's letter. Their score this month: 101.",
     "Xu Chen awarded you 2 points: Praised in a customer's letter. Your score this month: 101."),
]


@pytest.mark.parametrize("name, values, row, confirmed, told", MODAL_ENTRIES,
                         ids=["a code and a note", "points and a reason", "an award code"])
@NOV_4
def test_submitting_the_modal_writes_one_entry_confirms_and_tells_the_agent(world, name, values, row,
                                                                             confirmed, told):
    view = open_modal(world, name)
    answer, calls = submit(world, "U100", view, values)
    assert answer == (200, "")
    assert calls == [  # the agent's DM first: it must not depend on the confirmation
        opened("U001"),
        notice("DU001", told, "entry:6", 6 if row[3] < 0 else None),
        ("chat.postEphemeral", {"channel": "C0GENERAL", "user": "U100", "text": as_sent(confirmed),
                                "blocks": confirmation(confirmed, 6)}),
    ]
    assert ledger(world) == [*SCENARIO_LEDGER, row]


PICK_ONE = {"code": "Choose a reason from the catalogue, or give points and a reason."}
BAD_FORMS = [
    ("U100", form("U001", code="late", points="2", note="both"), PICK_ONE, []),
    ("U100", form("U001"), PICK_ONE, []),
    ("U100", form("U001", note="a note alone"), PICK_ONE, []),
    ("U100", form("U001", points="3"), {"note": "Give a reason after the points."}, []),
    ("U100", form("U001", points="25", note="too many"),
     {"points": "25 points is more than one entry may carry (20)."}, []),
    ("U100", form("U001", points="2.5", note="fractional"), {"points": "Points are whole numbers, not 2.5."}, []),
    ("U100", form("U001", code="late", note="x" * 301), {"note": "The note is longer than 300 characters."}, []),
    ("U100", form("U100", code="late"), {"agent": "Nobody can deduct from or award themselves."}, []),
    ("U100", form("U003", code="late"), {"agent": "Zhao Lei is not on a team you lead."}, []),
    ("U100", form("U777", code="late"),
     {"agent": "I don't know <@U777>: name an agent with an @mention or an employee ID from the roster."},
     [users_info("U777")]),
    ("U001", form("U002", code="late"), {"agent": "Only team leads and managers can deduct and award."}, []),
]


@pytest.mark.parametrize("user, values, errors, first", BAD_FORMS, ids=[
    "code and points", "neither", "a note alone", "points without a reason", "too many points",
    "fractional points", "note too long", "themselves", "not their team", "unknown user", "an agent"])
@NOV_4
def test_a_bad_modal_submission_answers_errors_in_the_form_and_writes_nothing(world, user, values, errors, first):
    view = open_modal(world, "/deduct")
    answer, calls = submit(world, user, view, values)
    assert answer == (200, {"response_action": "errors", "errors": errors})
    assert calls == first
    assert ledger(world) == SCENARIO_LEDGER
    assert deliveries(world) == []


# === /leaderboard =============================================================================

@pytest.mark.parametrize("user, you", ids=["first", "unranked"], argvalues=[
    ("U001", "You: rank 1 of 2, 14.4%."),
    ("U003", "You are not ranked this month."),  # Zhao Lei's first week
])
@NOV_4
def test_the_leaderboard_shows_the_top_and_only_the_callers_own_rank(world, user, you):
    assert command(world, "/leaderboard", "", user) == [
        said(f"{BOARD}\n{TOP}\n\n{you}\n", [header(BOARD), section(TOP), context(you)])]


@pytest.mark.parametrize("user", ["U100"])
@NOV_4
def test_a_lead_or_manager_sees_the_leaderboard_without_a_rank_of_their_own(world, user):
    assert command(world, "/leaderboard", "", user) == [said(f"{BOARD}\n{TOP}\n", [header(BOARD), section(TOP)])]


# === /teamstats ===============================================================================

@pytest.mark.parametrize("user, digests", [
    ("U100", [TEAM_1]),
    ("U900", [OFFICE, TEAM_1, TEAM_2]),
], ids=["lead of Team 1", "manager"])
@NOV_4
def test_teamstats_shows_a_lead_their_teams_and_a_manager_every_team(world, user, digests):
    text, blocks = teams_answer(*digests)
    assert command(world, "/teamstats", "", user) == [said(text, blocks)]


# === Who is who ===============================================================================

LI_TODAY = stats_answer(LI, *LI_TODAY_PARTS[:-1], rank=LI_TODAY_PARTS[-1])


@pytest.fixture
def li_by_email(world):
    """Li Na is on the roster by email only; Slack knows U002 by that email (in other case)."""
    change(world, "A002", slack_user_id=None, email="li.na@example.com")
    world.standin.users["U002"] = {"id": "U002", "name": "li.na", "profile": {"email": "Li.Na@Example.com"}}
    return world


@NOV_4
def test_someone_found_by_email_is_remembered(li_by_email):
    slack = li_by_email
    assert command(slack, "/mystats", "", "U002") == [users_info("U002"), said(*LI_TODAY)]
    assert agent(slack, "A002").slack_user_id == "U002"
    assert command(slack, "/mystats", "", "U002") == [said(*LI_TODAY)]


@NOV_4
def test_an_agent_named_by_mention_is_found_by_email_too(li_by_email):
    slack = li_by_email
    confirmed = "Recorded for Li Na (A002): -2 Late. Their score this month: 95."
    assert command(slack, "/deduct", "<@U002|li.na> late", "U100") == [
        users_info("U002"),
        said(confirmed + "\n", confirmation(confirmed, 6)),
        opened("U002"),
        notice("DU002", "Xu Chen deducted 2 points from you: Late. Your score this month: 95.\n", "entry:6", 6),
    ]
    assert agent(slack, "A002").slack_user_id == "U002"


@pytest.mark.parametrize("known", [None, {"id": "U555", "profile": {"email": "new.starter@example.com"}}],
                         ids=["unknown to Slack", "unknown email"])
@NOV_4
def test_someone_not_on_the_roster_is_told_whom_to_ask(world, known):
    if known:
        world.standin.users["U555"] = known
    line = NOT_ON_ROSTER.format(contacts="Gao Yan, Ma Jun", user="U555")
    for name in ("/mystats", "/deduct", "/leaderboard", "/teamstats"):
        assert command(world, name, "", "U555") == [users_info("U555"), said(line + "\n")]
    assert ledger(world) == SCENARIO_LEDGER


@NOV_4
def test_with_no_manager_on_the_roster_the_lead_or_an_admin_is_named(world):
    change(world, "M01", active=False)
    change(world, "ADM1", active=False)
    line = NOT_ON_ROSTER.format(contacts="your team lead or an admin", user="U555")
    assert command(world, "/mystats", "", "U555") == [users_info("U555"), said(line + "\n")]


@NOV_4
def test_an_email_already_matched_to_another_slack_user_is_not_taken_over(world):
    """Wang Fang is U001; a second Slack account with her email is not her."""
    change(world, "A001", email="wang.fang@example.com")
    world.standin.users["U0DUP"] = {"id": "U0DUP", "profile": {"email": "wang.fang@example.com"}}
    line = NOT_ON_ROSTER.format(contacts="Gao Yan, Ma Jun", user="U0DUP")
    assert command(world, "/mystats", "", "U0DUP") == [users_info("U0DUP"), said(line + "\n")]
    assert agent(world, "A001").slack_user_id == "U001"


@pytest.mark.parametrize("status, headers", [(500, {}), (429, {"Retry_After": "20"})], ids=["500", "429"])
@NOV_4
def test_when_users_info_fails_the_person_is_asked_to_try_again(li_by_email, status, headers):
    slack = li_by_email
    slack.standin.script("users.info", status, **headers)
    assert command(slack, "/mystats", "", "U002") == [users_info("U002"), said(TRY_AGAIN)]
    assert agent(slack, "A002").slack_user_id is None
    assert command(slack, "/mystats", "", "U002") == [users_info("U002"), said(*LI_TODAY)]


@NOV_4
def test_when_users_info_fails_for_the_named_agent_nothing_is_written(li_by_email):
    slack = li_by_email
    slack.standin.script("users.info", 500)
    assert command(slack, "/deduct", "<@U002> late", "U100") == [users_info("U002"), said(TRY_AGAIN)]
    assert ledger(slack) == SCENARIO_LEDGER


# === App Home =================================================================================


@NOV_4
def test_app_home_shows_an_agent_their_stats(world):
    _, blocks = stats_answer(WANG, WANG_4_NOV, WANG_NOVEMBER, WANG_SCORE, rank=FIRST)
    assert home_opened(world, "U001") == [("views.publish", {"user_id": "U001",
                                                             "view": {"type": "home", "blocks": blocks}})]


@pytest.mark.parametrize("user, digests", [("U100", [TEAM_1]), ("U900", [OFFICE, TEAM_1, TEAM_2])],
                         ids=["lead", "manager"])
@NOV_4
def test_app_home_shows_a_lead_their_teams(world, user, digests):
    _, blocks = teams_answer(*digests)
    assert home_opened(world, user) == [("views.publish", {"user_id": user,
                                                           "view": {"type": "home", "blocks": blocks}})]


@NOV_4
def test_app_home_tells_someone_not_on_the_roster_whom_to_ask(world):
    notice = NOT_ON_ROSTER.format(contacts="Gao Yan, Ma Jun", user="U555")
    assert home_opened(world, "U555") == [
        users_info("U555"),
        ("views.publish", {"user_id": "U555", "view": {"type": "home", "blocks": [section(notice)]}}),
    ]


@NOV_4
def test_app_home_is_refreshed_each_time_it_is_opened(world):
    home_opened(world, "U001")
    command(world, "/deduct", "<@U001> late", "U100")
    (method, body), = home_opened(world, "U001")
    assert body["view"]["blocks"][3] == section(bold_first(
        "Score 97 (base 100)\n"
        "  -2 Late · 3 Nov · Xu Chen\n"
        "  +1 Praised by a customer's call: thanked by a caller · 4 Nov · Xu Chen\n"
        "  -1 Private phone call · 4 Nov · Xu Chen (undone)\n"
        "  -2 Late · 4 Nov · Xu Chen"))


@NOV_4
def test_an_event_delivered_twice_publishes_once(world):
    first = home_opened(world, "U001", event_id="Ev0HOME01")
    assert [method for method, _ in first] == ["views.publish"]
    assert home_opened(world, "U001", event_id="Ev0HOME01", retry=1) == []
    assert len(world.standin.of("views.publish")) == 1


@NOV_4
def test_an_event_retried_to_another_replica_publishes_once(world):
    """Behind a load balancer the retry may reach another kpibot process: the event_id taken in
    is kept in the database, not in one process's memory."""
    assert [method for method, _ in home_opened(world, "U001", event_id="Ev0HOME02")] == ["views.publish"]
    with serving(world.bot.center.settings.database_url) as replica:
        assert home_opened(replica, "U001", event_id="Ev0HOME02", retry=1) == []
        assert [method for method, _ in home_opened(replica, "U001", event_id="Ev0HOME03")] == [
            "views.publish"]  # a new event is its to answer


@NOV_4
def test_opening_the_messages_tab_publishes_nothing(world):
    since = len(world.standin.calls)
    event = {"type": "app_home_opened", "user": "U001", "channel": "D0HOME", "tab": "messages",
             "event_ts": "1793764800.000200"}
    assert world.requests.event(event) == (200, "")
    world.settle()
    assert made(world, since) == []


# === Acknowledgement first ====================================================================


HELD = [
    ("/mystats", "", said(*LI_TODAY)),
    ("/leaderboard", "", said(f"{BOARD}\n{TOP}\n\nYou: rank 2 of 2, 8.7%.\n",
                              [header(BOARD), section(TOP), context("You: rank 2 of 2, 8.7%.")])),
    ("/teamstats", "", refused("/teamstats is for team leads and managers.", "teamstats")),
    ("/deduct", "<@U001> late", refused("Only team leads and managers can deduct and award.", "deduct")),
]


@pytest.mark.parametrize("name, words, answer", HELD, ids=[name for name, words, answer in HELD])
@NOV_4
def test_a_command_is_acknowledged_while_slack_is_slow_and_answered_after(li_by_email, name, words, answer):
    slack = li_by_email
    release = slack.standin.hold("users.info")
    assert slack.requests.command(name, words, "U002") == (200, "")  # the lookup is still held
    assert [c.method for c in slack.standin.wait_for("users.info")] == ["users.info"]
    assert slack.standin.of("respond") == []
    release.set()
    slack.settle()
    assert [(c.method, c.body) for c in slack.standin.of("respond")] == [answer]


# === Block Kit limits =========================================================================


def big_center(slack, agents: int, calls: int | None) -> None:
    """One team, Floor, of `agents` veterans, each with `calls` calls and 75 min today (or no numbers)."""
    with slack.session() as session:
        add_agent(session, "M01", name="Ma Jun", team="Floor", role="manager", slack_user_id="U900")
        team = session.exec(select(Team).where(Team.name == "Floor")).one()
        people = [Agent(employee_id=f"A{n:04d}", name=f"Agent A{n:04d}", team_id=team.id, role="agent",
                        hire_date=date(2020, 1, 1)) for n in range(1, agents + 1)]
        session.add_all(people)
        session.flush()
        if calls is not None:
            session.add_all(DailyStat(agent_id=p.id, day=TODAY, calls=calls, talk_seconds=75 * 60) for p in people)
        session.commit()


def assert_fits(blocks: list) -> None:
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


@NOV_4
def test_a_long_team_list_is_cut_to_slacks_limits_with_how_many_more(slack):
    big_center(slack, 250, calls=30)
    (method, body), = command(slack, "/teamstats", "", "U900")
    # Every agent: 30 of 60 calls and 75 of 150 min; the month 30 / 1,260 and 75 / 3,150: 2.38 % -> 2.4 %.
    lines = [f"  Agent A{n:04d} (A{n:04d}): short by 30 calls and 75 min · month 2.4%" for n in range(1, 251)]
    heading = "Floor, Wed 4 Nov: 0 of 250 met the daily quota."
    assert body["text"] == "\n".join([heading, "Behind:", *lines])  # the fallback is whole
    # Heading (49 with its stars) and "Behind:" take 57 characters, each agent's line 65 with its
    # newline, "…and 205 more" 14: 45 agents make 2,996 characters, 46 would make 3,061.
    assert body["blocks"] == [section("\n".join([f"*{heading}*", "Behind:", *lines[:45], "…and 205 more"]))]
    assert_fits(body["blocks"])


@NOV_4
def test_a_long_list_of_names_is_cut_by_names_with_how_many_more(slack):
    """Nobody has numbers yet at 10:00: 250 names on one "No numbers:" line, longer than a section
    by itself. What is cut must still say how many names were left out."""
    big_center(slack, 250, calls=None)
    (method, body), = command(slack, "/teamstats", "", "U900")
    shown = body["blocks"][0]["text"]["text"]
    assert_fits(body["blocks"])
    more = re.search(r"…and (\d+) more$", shown)
    assert more is not None
    assert int(more.group(1)) == 250 - len(re.findall(r"Agent A\d{4}", shown))


@NOV_4
def test_a_header_longer_than_150_characters_is_cut(world):
    name = "Wang Fang Shangguan-Murong Ouyang-Xu"
    team = "Inbound customer service, night shift, second floor, east wing, with the weekend overflow queue"
    with world.session() as session:
        session.add(Team(name=team))
        session.commit()
        team_id = session.exec(select(Team.id).where(Team.name == team)).one()
    change(world, "A001", name=name, team_id=team_id)
    (method, body), = command(world, "/mystats", "", "U001")
    heading = f"{name} (A001) · {team} · veteran"
    assert len(heading) == 151
    assert body["text"].split("\n")[0] == heading  # the text fallback is whole
    assert body["blocks"][0] == header(heading[:149] + "…")


@NOV_4
def test_more_teams_than_blocks_are_cut_to_fifty_blocks_with_how_many_more(slack):
    with slack.session() as session:
        add_agent(session, "M01", name="Ma Jun", team="Team 01", role="manager", slack_user_id="U900")
        session.add_all(Team(name=f"Team {n:02d}") for n in range(2, 61))
        session.commit()
    (method, body), = command(slack, "/teamstats", "", "U900")
    assert body["blocks"] == [*(section(f"*Team {n:02d}, Wed 4 Nov: nobody to report.*") for n in range(1, 50)),
                              context("…and 11 more")]
    assert_fits(body["blocks"])


# === When Slack is down =======================================================================


@pytest.mark.parametrize("status, headers, error", [
    (500, {}, "500 fatal_error"),
    (429, {"Retry_After": "30"}, "429 ratelimited"),
], ids=["500", "429"])
@NOV_4
def test_a_dm_slack_refuses_stays_pending_and_the_entry_and_confirmation_stand(world, status, headers, error):
    world.standin.script("chat.postMessage", status, **headers)
    confirmed = "Recorded for Wang Fang (A001): -2 Late. Their score this month: 97."
    assert command(world, "/deduct", "<@U001> late", "U100") == [
        said(confirmed + "\n", confirmation(confirmed, 6)),
        opened("U001"),
        notice("DU001", "Xu Chen deducted 2 points from you: Late. Your score this month: 97.\n", "entry:6", 6),
    ]
    assert ledger(world) == [*SCENARIO_LEDGER, (6, "A001", TODAY, -2, "late", "", "L01", None)]
    assert deliveries(world) == [("entry:6", "A001", "pending", 1, error)]


@NOV_4
def test_a_dm_channel_slack_would_not_open_stays_pending_and_is_not_remembered(world):
    world.standin.script("conversations.open", 500)
    calls = command(world, "/deduct", "<@U001> late", "U100")
    assert [method for method, _ in calls] == ["respond", "conversations.open"]
    assert deliveries(world) == [("entry:6", "A001", "pending", 1, "500 fatal_error")]
    assert agent(world, "A001").slack_dm_channel is None


@NOV_4
def test_a_lost_response_url_post_does_not_stop_the_dm(world):
    world.standin.script("respond", 500)
    calls = command(world, "/deduct", "<@U001> late", "U100")
    assert [method for method, _ in calls] == ["respond", "conversations.open", "chat.postMessage"]
    assert deliveries(world) == [("entry:6", "A001", "sent", 1, None)]


@pytest.mark.parametrize("status, answer", [(500, None), (200, {"ok": False, "error": "channel_not_found"})],
                         ids=["500", "channel_not_found"])
@NOV_4
def test_a_modal_confirmation_slack_refuses_goes_to_the_authors_dm(world, status, answer):
    """The entry is written before the confirmation; the agent is told whatever became of it,
    and the author gets the confirmation with its Undo button by DM instead (e.g. the form was
    opened in a channel kpibot is not in)."""
    view = open_modal(world, "/deduct")
    world.standin.script("chat.postEphemeral", status, answer)
    answer, calls = submit(world, "U100", view, form("U001", code="late"))
    assert answer == (200, "")
    assert [method for method, _ in calls] == ["conversations.open", "chat.postMessage", "chat.postEphemeral",
                                               "conversations.open", "chat.postMessage"]
    confirmation = calls[-1][1]
    assert "Recorded" in confirmation["text"] and "undo_entry" in json.dumps(confirmation["blocks"])
    assert ledger(world) == [*SCENARIO_LEDGER, (6, "A001", TODAY, -2, "late", "", "L01", None)]
    assert deliveries(world) == [("entry:6", "A001", "sent", 1, None), ("entry:6:confirmation", "L01", "sent", 1, None)]
