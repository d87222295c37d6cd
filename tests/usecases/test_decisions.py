"""The two-person rule and appeals, through the one answer every door asks, on a real database.

A deduction of more than 5 points (approvals.above) waits for a manager's approval; an agent
appeals a deduction that counts, and a manager accepts the appeal (the entry is revoked) or
rejects it (it stands). Each act is a ledger row; the agent and the entry's author are told.
The scenario (conftest): L01 Xu Chen leads Team 1 (A001 Wang Fang, score 99; A002 Li Na), L02
Sun Li leads Team 2 (A003 Zhao Lei); M01 Ma Jun is a manager, ADM1 Gao Yan an admin.
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.store.models import Agent, JobRun, LedgerEntry, TeamLead
from bot.usecases.answer import command_of
from factories import add_agent
from said import TODAY, text_of

APPROVAL_HOW = "To approve: approve 6   To decline: decline 6 REASON"
APPEAL_HOW = "To accept it (the entry is revoked): accept 6   To reject it: reject 6 REASON"


def acts(session) -> list[tuple]:
    """The ledger rows after the scenario's: (id, agent, points, code, reason, author, pending,
    refers_id, revokes_id, act)."""
    rows = session.exec(select(LedgerEntry, Agent.employee_id).join(Agent, Agent.id == LedgerEntry.agent_id)
                        .where(LedgerEntry.id > 5).order_by(LedgerEntry.id)).all()
    authors = {a.id: a.employee_id for a in session.exec(select(Agent)).all()}
    return [(e.id, who, e.points, e.code, e.reason, authors.get(e.author_id), bool(e.pending), e.refers_id,
             e.revokes_id, e.act) for e, who in rows]


def score_line(ask, who: str = "A001") -> str:
    return next(line for line in text_of(ask(who, "mystats")).splitlines() if line.startswith("Score"))


def entry_line(ask, code_label: str, who: str = "A001") -> str:
    return next(line.strip() for line in text_of(ask(who, "mystats")).splitlines() if code_label in line)


# === the two-person rule ======================================================================

def test_a_deduction_above_the_threshold_waits_for_a_manager_and_counts_once_approved(ask, session):
    given = ask("L01", "deduct", "A001 missed")
    assert text_of(given) == ("Recorded for Wang Fang (A001): -10 Missed a shift through a bad swap, waiting for "
                              "approval: a deduction of more than 5 points counts once a manager approves it (Ma Jun "
                              "asked). Their score this month stays 99.\n")
    assert ask.told(given) == [
        ("entry:6", "A001", "Xu Chen deducted 10 points from you: Missed a shift through a bad swap. A deduction of "
                            "more than 5 points counts once a manager approves it; you will be told. Your score this "
                            "month stays 99."),
        ("entry:6:approval:M01", "M01", "Xu Chen deducted 10 points from Wang Fang (A001) on 4 Nov: Missed a shift "
                                        "through a bad swap. A deduction of more than 5 points counts only once a "
                                        f"manager approves it.\n{APPROVAL_HOW}"),
    ]
    assert acts(session) == [(6, "A001", -10, "missed", "", "L01", True, None, None, None)]
    assert score_line(ask) == "Score 99 (base 100)"
    assert entry_line(ask, "Missed a shift") == "-10 Missed a shift through a bad swap · 4 Nov · Xu Chen (waiting for approval)"

    approved = ask("M01", "approve", "6")
    assert text_of(approved) == ("Approved: 10 points Missed a shift through a bad swap for Wang Fang (A001) counts. "
                                 "Their score this month: 89; they have been told.\n")
    assert ask.told(approved) == [
        ("entry:6:approve", "A001", "Ma Jun approved 10 points Missed a shift through a bad swap of 4 Nov, recorded "
                                    "by Xu Chen: it counts. Your score this month: 89.\n"
                                    "To appeal it, type: appeal 6 YOUR REASON"),
        ("entry:6:approve:author", "L01", "Ma Jun approved your 10 points Missed a shift through a bad swap for Wang "
                                          "Fang (A001): it counts."),
    ]
    assert acts(session)[1:] == [(7, "A001", 0, "missed", "", "M01", False, 6, None, "approve")]
    assert score_line(ask) == "Score 89 (base 100)"
    assert entry_line(ask, "Missed a shift") == "-10 Missed a shift through a bad swap · 4 Nov · Xu Chen"


@pytest.mark.parametrize("words, pending", [("A001 5 shouted at a colleague", False), ("A001 refusal", False),
                                            ("A001 6 shouted at a colleague", True), ("A001 20 fraud", True)])
def test_the_threshold_is_more_than_five_points(ask, session, words, pending):
    ask("L01", "deduct", words)
    assert acts(session)[0][6] is pending


def test_an_award_never_waits_however_large(ask, session):
    ask("M01", "award", "A001 media")
    assert acts(session)[0][6] is False
    assert score_line(ask) == "Score 109 (base 100)"


def test_a_manager_declines_with_a_reason_and_the_deduction_never_counts(ask, session):
    ask("L01", "deduct", "A001 missed")
    assert text_of(ask("M01", "decline", "6")) == "Give a reason after the entry's number.\nUsage: decline ENTRY REASON…\n"
    given = ask("M01", "decline", "6 the swap form was signed, HR lost it")
    assert text_of(given) == ("Declined: 10 points Missed a shift through a bad swap for Wang Fang (A001) does not "
                              "count; they have been told.\n")
    assert ask.told(given) == [
        ("entry:6:decline", "A001", "Ma Jun declined 10 points Missed a shift through a bad swap of 4 Nov, recorded "
                                    "by Xu Chen (the swap form was signed, HR lost it): it does not count. Your score "
                                    "this month: 99."),
        ("entry:6:decline:author", "L01", "Ma Jun declined your 10 points Missed a shift through a bad swap for Wang "
                                          "Fang (A001): the swap form was signed, HR lost it."),
    ]
    assert acts(session)[1:] == [(7, "A001", 0, "missed", "the swap form was signed, HR lost it", "M01", False, None,
                                  6, "decline")]
    assert entry_line(ask, "Missed a shift").endswith("· Xu Chen (not approved)")
    assert text_of(ask("M01", "approve", "6")) == "That entry is already undone.\nUsage: approve ENTRY\n"


@pytest.mark.parametrize("who, words, line", [
    ("L01", "6", "Only a manager or an admin approves deductions and decides appeals."),
    ("L02", "6", "Only a manager or an admin approves deductions and decides appeals."),
    ("A001", "6", "Only a manager or an admin approves deductions and decides appeals."),
    ("M01", "", "Give the entry's number (it is in the message about the entry)."),
    ("M01", "six", "Give the entry's number (it is in the message about the entry)."),
    ("M01", "99", "That entry no longer exists."),
    ("M01", "1", "That entry is not waiting for approval."),
])
def test_who_may_approve_and_what(ask, session, who, words, line):
    ask("L01", "deduct", "A001 missed")
    given = ask(who, "approve", words)
    assert text_of(given) == f"{line}\nUsage: approve ENTRY\n"
    assert given.dms == ()
    assert len(acts(session)) == 1


def test_a_managers_own_large_deduction_goes_to_another_and_not_to_themselves(ask, session):
    given = ask("M01", "deduct", "A003 missed")
    assert [note.key for note in given.dms] == ["entry:6", "entry:6:approval:ADM1"]  # no other manager: the admin
    assert text_of(ask("M01", "approve", "6")).startswith("You recorded that entry: another manager or an admin")
    assert text_of(ask("ADM1", "approve", "6")).startswith("Approved: 10 points")


def test_with_nobody_else_to_ask_the_confirmation_says_so(ask, session):
    session.delete(session.exec(select(Agent).where(Agent.employee_id == "ADM1")).one())
    session.commit()
    given = ask("M01", "deduct", "A003 missed")
    assert "the roster has no other manager or admin to ask" in text_of(given)
    assert [note.key for note in given.dms] == ["entry:6"]


def test_approving_twice_at_once_writes_one_approval(ask, session):
    ask("L01", "deduct", "A001 missed")
    session.add(LedgerEntry(agent_id=wang(session).id, day=TODAY, points=0, reason="", refers_id=6, act="approve"))
    session.commit()
    assert text_of(ask("M01", "approve", "6")) == "That entry is not waiting for approval.\nUsage: approve ENTRY\n"
    session.add(LedgerEntry(agent_id=wang(session).id, day=TODAY, points=0, reason="", refers_id=6, act="approve"))
    with pytest.raises(IntegrityError):  # the unique index is what decides a race
        session.commit()
    session.rollback()


def test_an_absence_waiting_for_approval_is_not_proposed_again(ask, session):
    for _ in range(3):
        given = ask("L01", "deduct", "A002 late")
    assert given.context["r"].late == 3
    ask("L01", "deduct", "A002 absence")  # 10 points: waits for approval
    assert ask("L01", "deduct", "A002 early").context["r"].late is None


# === appeals ==================================================================================

def test_an_agent_appeals_and_the_manager_accepts_it(ask, session):
    ask("L01", "deduct", "A001 late")
    given = ask("A001", "appeal", "6 the system clock was wrong, see IT ticket 4471")
    assert text_of(given) == ("Your appeal of 2 points Late of 4 Nov has gone to Ma Jun. You will be told of the "
                              "decision.\n")
    assert ask.told(given) == [
        ("entry:6:appeal:M01", "M01", "Wang Fang (A001) appeals 2 points Late of 4 Nov, recorded by Xu Chen: “the "
                                      f"system clock was wrong, see IT ticket 4471”\n{APPEAL_HOW}"),
    ]
    assert entry_line(ask, "Late · 4 Nov") == "-2 Late · 4 Nov · Xu Chen (appealed)"
    assert score_line(ask) == "Score 97 (base 100)"  # an appeal changes nothing until it is decided

    accepted = ask("M01", "accept", "6")
    assert text_of(accepted) == ("Appeal accepted: 2 points Late of 4 Nov for Wang Fang (A001) is revoked. Their score "
                                 "this month: 99; they have been told.\n")
    assert ask.told(accepted) == [
        ("entry:6:accept", "A001", "Ma Jun accepted your appeal: 2 points Late of 4 Nov is revoked. Your score this "
                                   "month: 99."),
        ("entry:6:accept:author", "L01", "Ma Jun accepted Wang Fang's appeal (“the system clock was wrong, see IT "
                                         "ticket 4471”) of your 2 points Late of 4 Nov: it is revoked."),
    ]
    assert acts(session)[1:] == [
        (7, "A001", 0, "late", "the system clock was wrong, see IT ticket 4471", "A001", False, 6, None, "appeal"),
        (8, "A001", 0, "late", "", "M01", False, None, 6, "accept"),
    ]
    assert entry_line(ask, "Late · 4 Nov") == "-2 Late · 4 Nov · Xu Chen (revoked on appeal)"
    assert score_line(ask) == "Score 99 (base 100)"
    assert text_of(ask("M01", "reject", "6 too late")) == "That entry is already undone.\nUsage: reject ENTRY REASON…\n"


def test_an_appeal_or_approval_is_no_entry_to_undo(ask, session):
    ask("L01", "deduct", "A001 missed")
    ask("M01", "approve", "6")
    assert text_of(ask("M01", "undo", "7")) == "That entry no longer exists.\n"
    assert len(acts(session)) == 2


def test_a_rejected_appeal_leaves_the_deduction_standing(ask, session):
    ask("L01", "deduct", "A001 chat")
    ask("A001", "appeal", "6 the caller asked about my training")
    assert text_of(ask("M01", "reject", "6")) == "Give a reason after the entry's number.\nUsage: reject ENTRY REASON…\n"
    given = ask("M01", "reject", "6 personal talk waits for the break")
    assert text_of(given) == ("Appeal rejected: 2 points Off-topic chat with a customer of 4 Nov for Wang Fang (A001) "
                              "stands; they have been told.\n")
    assert ask.told(given) == [
        ("entry:6:reject", "A001", "Ma Jun rejected your appeal of 2 points Off-topic chat with a customer of 4 Nov: "
                                   "personal talk waits for the break. It stands; your score this month: 97."),
        ("entry:6:reject:author", "L01", "Ma Jun rejected Wang Fang's appeal (“the caller asked about my training”) "
                                         "of your 2 points Off-topic chat with a customer of 4 Nov: it stands."),
    ]
    assert entry_line(ask, "Off-topic chat") == "-2 Off-topic chat with a customer · 4 Nov · Xu Chen (appeal rejected)"
    assert text_of(ask("M01", "accept", "6")) == ("That entry has no appeal waiting for a decision.\n"
                                                  "Usage: accept ENTRY [NOTE…]\n")
    assert text_of(ask("A001", "appeal", "6 once more")).startswith("That entry has been appealed already")


@pytest.mark.parametrize("who, words, line", [
    ("A002", "6 not mine", "Only the agent an entry is about can appeal it."),
    ("L01", "6 on her behalf", "Only the agent an entry is about can appeal it."),
    ("A001", "6", "Give a reason after the entry's number."),
    ("A001", "late", "Give the entry's number (it is in the message about the entry)."),
    ("A001", "2 I like awards", "Only a deduction can be appealed."),
    ("A001", "4 an undo", "That entry no longer exists."),
    ("A001", "3 undone already", "That entry is already undone."),
    ("A001", "7 waiting", "That deduction is waiting for a manager's approval and does not count yet: appeal it "
                          "once it does."),
])
def test_what_cannot_be_appealed(ask, session, who, words, line):
    ask("L01", "deduct", "A001 late")
    ask("L01", "deduct", "A001 missed")  # entry 7, pending
    given = ask(who, "appeal", words)
    assert text_of(given) == f"{line}\nUsage: appeal ENTRY REASON…\n"
    assert len(acts(session)) == 2


@pytest.mark.parametrize("who, line", [
    ("L01", "Only a manager or an admin approves deductions and decides appeals."),
    ("A001", "Only a manager or an admin approves deductions and decides appeals."),
])
def test_only_a_manager_decides_an_appeal(ask, session, who, line):
    ask("L01", "deduct", "A001 late")
    ask("A001", "appeal", "6 wrong day")
    assert text_of(ask(who, "accept", "6")) == f"{line}\nUsage: accept ENTRY [NOTE…]\n"


def test_an_appeal_of_a_managers_own_deduction_goes_past_them(ask, session):
    ask("M01", "deduct", "A001 late")
    given = ask("A001", "appeal", "6 wrong person")
    assert [note.key for note in given.dms] == ["entry:6:appeal:ADM1"]
    assert text_of(ask("M01", "accept", "6")).startswith("You recorded that entry")
    assert text_of(ask("ADM1", "accept", "6")).startswith("Appeal accepted")


def test_an_appeal_goes_to_the_manager_over_the_leads_team(ask, session):
    """A manager's lead_of (管理班组) puts them over a team: its appeals go to them, and only to them;
    a team nobody is over goes to every manager."""
    over = add_agent(session, "M02", name="Qian Ming", team="Office", role="manager")
    session.add(TeamLead(agent_id=over.id, team_id=wang(session).team_id))
    session.commit()
    ask("L01", "deduct", "A001 late")
    assert [n.key for n in ask("A001", "appeal", "6 wrong day").dms] == ["entry:6:appeal:M02"]
    ask("L02", "deduct", "A003 late")
    assert [n.key for n in ask("A003", "appeal", "8 wrong day").dms] == ["entry:8:appeal:M01", "entry:8:appeal:M02"]


def test_an_appeal_in_a_closed_month_is_refused(ask, session):
    ask("L01", "deduct", "A001 late")
    session.add(JobRun(job="month-end", period="2026-11", status="done"))
    session.commit()
    assert text_of(ask("A001", "appeal", "6 wrong day")) == (
        "2026-11 is closed (its month-end round has gone out): only an admin can change its entries.\n"
        "Usage: appeal ENTRY REASON…\n")


def wang(session) -> Agent:
    return session.exec(select(Agent).where(Agent.employee_id == "A001")).one()


def test_kpibots_own_entry_is_appealed_and_decided_like_any(ask, session):
    session.add(LedgerEntry(agent_id=wang(session).id, day=TODAY, points=-1, code="contact1", reason="2026-W44 55.0%"))
    session.commit()
    appealed = ask("A001", "appeal", "6 the leads list was empty on Monday")
    assert ask.told(appealed)[0][2].startswith("Wang Fang (A001) appeals 1 point Weekly contact rate under 60% (1st): "
                                               "2026-W44 55.0% of 4 Nov, recorded by kpibot:")
    given = ask("M01", "accept", "6")
    assert [n.key for n in given.dms] == ["entry:6:accept"]  # nobody recorded it: only the agent is told


# === what waits ===============================================================================

def test_pending_lists_what_waits_for_this_manager(ask, session):
    assert text_of(ask("M01", "pending")) == "Nothing is waiting for your decision.\n"
    ask("L01", "deduct", "A001 missed")
    ask("L01", "deduct", "A001 late")
    ask("A001", "appeal", "7 traffic")
    assert text_of(ask("M01", "pending")) == (
        "Waiting for your decision:\n"
        "  #6 -10 Missed a shift through a bad swap for Wang Fang (A001) by Xu Chen, 4 Nov: approve 6, or decline 6 "
        "REASON\n"
        "  #7 Wang Fang (A001) appeals -2 Late by Xu Chen, 4 Nov: “traffic”: accept 7, or reject 7 REASON\n")
    ask("M01", "approve", "6")
    assert "#6" not in text_of(ask("M01", "pending"))
    assert text_of(ask("L01", "pending")) == "Only a manager or an admin approves deductions and decides appeals.\n"


def test_the_chinese_names_of_the_commands(ask, session):
    assert [command_of(w) for w in ("申诉", "批准", "不批准", "接受申诉", "驳回", "待处理")] == [
        "appeal", "approve", "decline", "accept", "reject", "pending"]


def test_in_chinese(ask, session):
    for who in ("A001", "M01", "L01"):
        agent = session.exec(select(Agent).where(Agent.employee_id == who)).one()
        agent.locale = "zh-CN"
        session.add(agent)
    session.commit()
    given = ask("L01", "deduct", "A001 missed")
    assert ask.told(given)[1][2] == ("Xu Chen于11月4日扣了Wang Fang（A001）10 分：换班手续不齐造成脱班。超过 5 分 的扣分须经主管批准后才生效。\n"
                                     "批准：批准 6   不批准：不批准 6 理由")
    assert ask.told(ask("M01", "approve", "6"))[0][2].endswith("如需申诉，请输入：申诉 6 你的理由")
    assert text_of(ask("A001", "appeal", "6 换班单已签")) == "你对11月4日 10 分 换班手续不齐造成脱班的申诉已提交给Ma Jun。处理结果会通知你。\n"


def test_the_ledger_of_an_appeal_keeps_every_step(ask, session):
    ask("L01", "deduct", "A001 missed")
    ask("M01", "approve", "6")
    ask("A001", "appeal", "6 the swap was approved by Sun Li")
    ask("M01", "accept", "6 confirmed with Sun Li")
    assert [(row[0], row[5], row[7], row[8], row[9]) for row in acts(session)] == [
        (6, "L01", None, None, None), (7, "M01", 6, None, "approve"), (8, "A001", 6, None, "appeal"),
        (9, "M01", None, 6, "accept")]
    assert session.get(LedgerEntry, 9).reason == "confirmed with Sun Li"
    assert score_line(ask) == "Score 99 (base 100)"
