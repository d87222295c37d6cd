"""`kpibot console --as EMPLOYEE_ID` from a pipe: the answers and the DMs they cause, against the
configured database, with no token. The center is tests/scenario.py on Wednesday 4 November 2026
(L01 Xu Chen leads Team 1: A001 Wang Fang and A002 Li Na; A003 Zhao Lei is on Team 2)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlmodel import Session, select

import scenario
from bot.store.models import Delivery, LedgerEntry
from factories import add_agent


@pytest.fixture
def console(kpibot, engine):
    """console(EMPLOYEE_ID, *lines, locale=None): (exit code, stdout, stderr) of the lines piped in."""
    with Session(engine) as session:
        scenario.build(session)

    def run(employee_id: str, *lines: str, locale: str | None = None) -> tuple[int, str, str]:
        return kpibot("console", "--as", employee_id, locale=locale, at="2026-11-04 10:00:00+08:00",
                      typed="".join(f"{line}\n" for line in lines))

    return run


def test_a_lead_deducts_undoes_and_sees_the_dms_each_causes(console, engine):
    code, out, err = console("L01", "/deduct A001 late", "undo 6", "quit", "/mystats")
    assert (code, err) == (0, "")
    assert out == """\
Recorded for Wang Fang (A001): -2 Late. Their score this month: 97.
To undo it, type: undo 6
→ DM to Wang Fang (A001), shown here only (no chat platform reaches them):
  Xu Chen deducted 2 points from you: Late. Your score this month: 97.
  To appeal it, type: appeal 6 YOUR REASON

Undone: -2 Late for Wang Fang (A001). Their score this month: 99.
→ DM to Wang Fang (A001), shown here only (no chat platform reaches them):
  Xu Chen undid -2 Late of 4 Nov. Your score this month: 99.
"""
    with Session(engine) as session:  # written down as shown on the console, once
        assert [(d.key, d.platform, d.status) for d in session.exec(select(Delivery).order_by(Delivery.id))] == [
            ("entry:6", "console", "sent"), ("entry:6:undo", "console", "sent")]
        assert [e.revokes_id for e in session.exec(select(LedgerEntry).order_by(LedgerEntry.id))][-2:] == [None, 6]


def test_every_command_answers_and_a_mistake_is_one_line_with_the_usage(console):
    code, out, _ = console("A002", "/mystats yesterday", "/leaderboard", "/teamstats", "/deduct A001 late", "",
                           "help", "hello")
    blocks = out.split("\n\n")
    assert code == 0
    assert blocks[0] == "Li Na (A002) · Team 1 · new hire"
    assert "Leaderboard, November 2026, by attainment\n" in out
    assert "You: rank 2 of 2, " in out
    assert "/teamstats is for team leads and managers.\nUsage: /teamstats [today | yesterday | YYYY-MM-DD]" in out
    assert "Only team leads and managers can deduct and award.\nUsage: /deduct" in out
    assert out.endswith("I don't know 'hello'.\nWhat I understand:\n"
                        "  /mystats [today | yesterday | month | YYYY-MM-DD | YYYY-MM]: your calls, talk time, "
                        "score and rank\n  /leaderboard [YYYY-MM]: the month's top places\n"
                        "  appeal ENTRY REASON…: appeal a deduction (its number is in the message about it)\n"
                        "  help: this list\n")


def test_it_speaks_the_persons_language(console):
    code, out, _ = console("L01", "/deduct A001 迟到", "/teamstats 昨天", locale="zh-CN")
    assert out.splitlines()[:3] == [
        "已为Wang Fang（A001）记录：-2 迟到。其本月得分：97。",
        "如需撤销，请输入：undo 6",
        "→ 私信Wang Fang（A001），仅在此显示（没有聊天平台能联系到此人）：",
    ]
    assert "Team 1，11月3日 周二：" in out


def test_someone_not_on_the_roster_is_one_line_and_exit_1(console):
    assert console("Z999", "/mystats") == (1, "", "No agent with employee ID Z999: check the ID, or import a "
                                                  "roster that has it (kpibot roster import FILE).\n")


def test_it_reads_a_pipe_as_a_script_would(database_url, engine, tmp_path):
    """echo '/mystats' | kpibot console --as A003, as a separate process."""
    with Session(engine) as session:
        scenario.build(session)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KPIBOT_", "WECOM_"))}
    done = subprocess.run([sys.executable, "-m", "bot", "console", "--as", "A003"], input="/mystats 2026-11-03\n",
                          env=env | {"DATABASE_URL": database_url}, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[:3] == ["Zhao Lei (A003) · Team 2 · new hire", "",
                                            "Tue 3 Nov: 30 calls, 70 min of talk time. First week: exempt from the quota."]


def test_an_agent_appeals_and_a_manager_decides_each_as_themselves(console, engine):
    with Session(engine) as session:
        add_agent(session, "M01", name="Ma Jun", team="Office", role="manager")
    console("L01", "/deduct A001 missed")
    code, out, err = console("A001", "appeal 6 the swap was approved")
    assert (code, err, out) == (0, "", "That deduction is waiting for a manager's approval and does not count yet: "
                                       "appeal it once it does.\nUsage: appeal ENTRY REASON…\n")
    code, out, err = console("M01", "pending", "approve 6")
    assert (code, err) == (0, "")
    assert out == """\
Waiting for your decision:
  #6 -10 Missed a shift through a bad swap for Wang Fang (A001) by Xu Chen, 4 Nov: approve 6, or decline 6 REASON

Approved: 10 points Missed a shift through a bad swap for Wang Fang (A001) counts. Their score this month: 89; they \
have been told.
→ DM to Wang Fang (A001), shown here only (no chat platform reaches them):
  Ma Jun approved 10 points Missed a shift through a bad swap of 4 Nov, recorded by Xu Chen: it counts. Your score \
this month: 89.
  To appeal it, type: appeal 6 YOUR REASON
→ DM to Xu Chen (L01), shown here only (no chat platform reaches them):
  Ma Jun approved your 10 points Missed a shift through a bad swap for Wang Fang (A001): it counts.
"""
    code, out, err = console("A001", "申诉 6 the swap was approved by Sun Li")
    assert out.startswith("Your appeal of 10 points Missed a shift through a bad swap of 4 Nov has gone to Ma Jun.")
    code, out, err = console("M01", "accept 6")
    assert out.startswith("Appeal accepted: 10 points Missed a shift through a bad swap of 4 Nov for Wang Fang (A001) "
                          "is revoked. Their score this month: 99")
