"""The weekly contact round (接触量, 000) on the rounds' center (tests/rounds_world.py): week
2026-W47 is Mon 16 to Sun 22 Nov, its round is on Mon 23 Nov. A week under the mark is an entry
of kpibot's own, told to the agent and their leads, written once however often the round runs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update
from sqlmodel import Session, delete, select

from bot.rounds.contact import week_misses
from bot.store.models import Agent, DailyStat, LedgerEntry
from bot.usecases import points
from bot.usecases.requests import CommandError
from factories import add_entry
from rounds_world import kpibot, posted, world  # noqa: F401
from scoring.calendar import WorkCalendar
from scoring.contact import Week
from scoring.schedule import weeks_ended

MONDAY = "2026-11-23 09:05:00+08:00"
W47 = Week(date(2026, 11, 16))
RAN = "Contact round 2026-W47: {n}: {n_sent} sent, 0 pending, 0 failed, 0 sent before.\n"


def leads(world, employee_id: str, assigned: int, contacted: int) -> None:  # noqa: F811
    """The agent's leads for W47, spread over their days of that week that have numbers."""
    with Session(world.engine) as session:
        agent = session.exec(select(Agent).where(Agent.employee_id == employee_id)).one()
        days = session.exec(select(DailyStat).where(DailyStat.agent_id == agent.id, DailyStat.day >= W47.monday,
                                                    DailyStat.day <= W47.sunday).order_by(DailyStat.day)).all()
        for n, day in enumerate(days):
            first = n == 0
            session.execute(update(DailyStat).where(DailyStat.id == day.id).values(
                leads_assigned=assigned if first else 0, leads_contacted=contacted if first else 0))
        session.commit()


def entries(world) -> list[tuple[str, date, int, str | None, str, int | None]]:  # noqa: F811
    with Session(world.engine) as session:
        return [(a.employee_id, e.day, e.points, e.code, e.reason, e.author_id) for e, a in session.exec(
            select(LedgerEntry, Agent).join(Agent, Agent.id == LedgerEntry.agent_id)
            .where(LedgerEntry.code.startswith("contact")).order_by(LedgerEntry.id)).all()]


@pytest.fixture
def week(world):  # noqa: F811
    """A001 contacted 55 of 100 leads (a first miss), A002 62 of 100 (reached 60 %), A006 64 of
    100 after a miss on 16 Nov (under the 65 % a second miss must reach); A003 had no leads."""
    leads(world, "A001", 100, 55)
    leads(world, "A002", 100, 62)
    leads(world, "A006", 100, 64)
    with Session(world.engine) as session:
        a006 = session.exec(select(Agent).where(Agent.employee_id == "A006")).one()
        add_entry(session, a006, date(2026, 11, 16), -1, code="contact1", note="2026-W46 58%")
    return world


def test_misses_are_deducted_and_told_to_the_agent_and_their_leads(week, kpibot):  # noqa: F811
    assert kpibot("jobs", "run", "contact", "--week", "2026-W47", at=MONDAY) == \
        (0, RAN.format(n="4 messages", n_sent=4), "")
    assert entries(week)[1:] == [("A001", date(2026, 11, 23), -1, "contact1", "2026-W47 55.0%", None),
                                 ("A006", date(2026, 11, 23), -2, "contact2", "2026-W47 64.0%", None)]
    sent = posted(week.standin)
    assert sent["contact:2026-W47:A001"] == (
        "Your contact rate for 2026-W47 (16 Nov to 22 Nov) was 55.0%: 55 of 100 leads contacted, under the 60% mark.\n"
        "That is miss 1 in 4 weeks: 1 point deducted (Weekly contact rate under 60% (1st)). "
        "Your score this month: 99.")
    assert sent["contact:2026-W47:A006"] == (
        "你 2026-W47（11月16日至11月22日）的接触量为 64.0%：分配数据 100 条，已接触 64 条，低于 65% 的标准。\n"
        "这是 4 周内第 2 次未达标：扣 2 分（周接触量第二次低于65%）。本月得分：93。")
    a001_entry = entries_ids(week)["A001"]
    assert sent["contact-leads:2026-W47:L01"] == (
        "Contact rate for 2026-W47 (16 Nov to 22 Nov): 1 person under the mark\n"
        f"  Wang Fang (A001): 55.0%, 55 of 100; miss 1, 1 point deducted (entry {a001_entry})\n"
        "Each is an entry of kpibot's own: to take one back, type undo and its number (undo 12).")
    assert sorted(sent) == ["contact-leads:2026-W47:L01", "contact-leads:2026-W47:L02", "contact:2026-W47:A001",
                            "contact:2026-W47:A006"]


def entries_ids(world) -> dict[str, int]:  # noqa: F811
    with Session(world.engine) as session:
        return {a.employee_id: e.id for e, a in session.exec(
            select(LedgerEntry, Agent).join(Agent, Agent.id == LedgerEntry.agent_id)
            .where(LedgerEntry.day == date(2026, 11, 23), LedgerEntry.code.startswith("contact"))).all()}


def test_run_again_or_taken_over_the_round_writes_no_entry_twice(week, kpibot):  # noqa: F811
    with Session(week.engine) as session:  # a run that wrote the entries and died before its DMs
        week_misses(session, week.center, W47)
    written = entries(week)
    assert kpibot("jobs", "run", "contact", "--week", "2026-W47", at=MONDAY)[1] == RAN.format(n="4 messages", n_sent=4)
    assert kpibot("jobs", "run", "contact", "--week", "2026-W47", at=MONDAY)[1] == \
        "Contact round 2026-W47 has run already: nothing was sent again.\n"
    assert entries(week) == written and len(written) == 3
    assert len(posted(week.standin)) == 4


def test_an_entry_undone_counts_as_no_miss_and_is_not_written_again(week, kpibot):  # noqa: F811
    with Session(week.engine) as session:
        lead = session.exec(select(Agent).where(Agent.employee_id == "L02")).one()
        earlier = session.exec(select(LedgerEntry).where(LedgerEntry.code == "contact1")).one()
        points.undo(session=session, center=week.center, actor=lead, entry_id=earlier.id, today=date(2026, 11, 17))
    kpibot("jobs", "run", "contact", "--week", "2026-W47", at=MONDAY)
    assert [e for e in entries(week) if e[1] == date(2026, 11, 23)] == [
        ("A001", date(2026, 11, 23), -1, "contact1", "2026-W47 55.0%", None)]  # 64 % reaches a first miss's 60 %
    assert "contact:2026-W47:A006" not in posted(week.standin)


def test_the_agents_leads_may_undo_kpibots_entry_and_other_leads_may_not(week, kpibot):  # noqa: F811
    kpibot("jobs", "run", "contact", "--week", "2026-W47", at=MONDAY)
    entry_id = entries_ids(week)["A001"]
    with Session(week.engine) as session:
        xu, sun = (session.exec(select(Agent).where(Agent.employee_id == e)).one() for e in ("L01", "L02"))
        with pytest.raises(CommandError):
            points.undo(session=session, center=week.center, actor=sun, entry_id=entry_id, today=date(2026, 11, 23))
        undone = points.undo(session=session, center=week.center, actor=xu, entry_id=entry_id,
                             today=date(2026, 11, 23))
    assert undone.score == 100


def test_the_round_waits_for_the_weeks_last_working_day(world, kpibot):  # noqa: F811
    leads(world, "A001", 100, 10)
    with Session(world.engine) as session:
        session.execute(delete(DailyStat).where(DailyStat.day == date(2026, 11, 20)))
        session.commit()
    assert kpibot("jobs", "run", "contact", at=MONDAY) == (0, (
        "Contact round 2026-W47 is held: the call-center system has sent no numbers for Fri 20 Nov yet, so nobody "
        "was told there were none. Import or pull that day's stats and it goes out at the next retry (or run it "
        "again now); to send it without them, add --force.\n"), "")
    assert entries(world) == [] and posted(world.standin) == {}


@pytest.mark.parametrize(("args", "line"), [
    (("--week", "2026-47"), "2026-47 is not a week: write it YYYY-Www, e.g. 2026-W48 (ISO weeks, Monday to Sunday)."),
    (("--week", "2026-W48"), ("2026-W48 is not over yet: the contact round about a week runs on the first working "
                              "day after it (2026-11-30).")),
])
def test_a_bad_week_or_one_not_over_is_one_line(world, kpibot, args, line):  # noqa: F811
    assert kpibot("jobs", "run", "contact", *args, at=MONDAY) == (1, "", line + "\n")
    assert entries(world) == []


def test_the_round_is_due_on_the_first_working_day_after_a_week():
    plain = WorkCalendar()
    assert weeks_ended(plain, date(2026, 11, 23)) == [W47]
    assert weeks_ended(plain, date(2026, 11, 24)) == []
    monday_off = WorkCalendar(holidays=frozenset({date(2026, 11, 23)}))
    assert weeks_ended(monday_off, date(2026, 11, 24)) == [W47]
    week_off = WorkCalendar(holidays=frozenset(date(2026, 11, 23 + n) for n in range(5)))
    assert weeks_ended(week_off, date(2026, 11, 30)) == [W47, Week(date(2026, 11, 23))]
