"""The weekly contact round (接触量, 000): each agent's contact rate for a week just ended. A
week under the ladder's mark is a deduction written as kpibot's own (no author), dated the first
working day after the week; the agent and their leads are told by DM, and the agent's leads (or
a manager) may undo it like any entry.

The entries are written first, then the DMs. Run again, or taken over after a crash, the round
finds the week's entries already written (undone ones too), writes none twice, and tells of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config.center import Center
from bot.outbox.platforms import Note, Platforms
from bot.rounds.run import RoundReport, has_numbers, hold_run, run_round
from bot.store import queries
from bot.store.models import Agent, LedgerEntry
from bot.usecases.points import month_score
from scoring import permissions
from scoring.contact import Miss, Week, contact_rate, weekly_miss, window
from scoring.problems import Problem
from scoring.progress import percent
from scoring.quotas import is_employed
from scoring.schedule import CONTACT

CODE = "contact"  # the entries' codes: contact1, contact2, … (the catalogue's labels)


@dataclass(frozen=True)
class WeekMiss:
    """One agent's missed week: what the DMs say."""

    week: Week
    agent: Agent
    assigned: int
    contacted: int
    rate: Fraction
    miss: Miss
    entry: LedgerEntry
    score: int  # the agent's score this month, with the entry

    @property
    def mark(self) -> str:
        """The mark missed, in percent: 60, or 62.5."""
        return f"{percent(Fraction(self.miss.below).limit_denominator(10_000)):g}"


def round_day(center: Center, week: Week) -> date:
    """The day a week's round is due, and its entries are dated: the first working day after it."""
    return center.calendar.next_working_day(week.sunday)


def contact_round(*, center: Center, engine: Engine, platforms: Platforms, week: Week,
                  force: bool = False) -> RoundReport:
    """The contact round about `week`: its misses written, each agent and their leads told. Held
    until the numbers of the week's last working day have come (unless `force`d): a week counted
    without its Friday would make misses of weeks that were not."""
    if round_day(center, week) > center.today():
        raise Problem("round.open_week", week=str(week), day=round_day(center, week).isoformat())
    last = center.calendar.previous_working_day(week.sunday + timedelta(days=1))
    if not force and last >= week.monday and not has_numbers(engine, last) \
            and hold_run(engine, CONTACT, str(week)):
        return RoundReport(CONTACT, str(week), "held", waiting_for=last)
    return run_round(engine=engine, platforms=platforms, job=CONTACT, period=str(week),
                     build=lambda session: contact_notes(session, center, week),
                     prefixes=(f"contact:{week}:", f"contact-leads:{week}:"))


def contact_notes(session: Session, center: Center, week: Week) -> Iterator[Note]:
    misses = week_misses(session, center, week)
    for m in misses:
        yield Note(f"contact:{week}:{m.agent.employee_id}", m.agent, "contact_miss",
                   dict(m=m, policy=center.policy), center.locale_of(m.agent))
    by_lead: dict[str, tuple[Agent, list[WeekMiss]]] = {}
    for m in misses:
        for lead in queries.leads_of(session=session, agent=m.agent):
            by_lead.setdefault(lead.employee_id, (lead, []))[1].append(m)
    for employee_id, (lead, theirs) in sorted(by_lead.items()):
        yield Note(f"contact-leads:{week}:{employee_id}", lead, "contact_misses",
                   dict(week=week, misses=theirs, policy=center.policy), center.locale_of(lead))


def week_misses(session: Session, center: Center, week: Week) -> list[WeekMiss]:
    """The week's misses, by employee ID, their entries written (unless written before)."""
    policy, day = center.policy, round_day(center, week)
    first, last = window(policy, day)
    earlier = queries.own_entries(session=session, code_prefix=CODE, start=first, end=day)
    # Two weeks' rounds share a day after a week without working days: the note says whose it is.
    ours = [(entry, undone) for entry, undone in earlier if entry.day == day and entry.reason >= f"{week} "]
    written = {entry.agent_id: entry for entry, _ in ours if entry.reason.startswith(f"{week} ")}
    misses_before: dict[int, int] = {}
    for entry, undone in earlier:
        if (entry.day <= last or (entry, undone) not in ours) and not undone:
            misses_before[entry.agent_id] = misses_before.get(entry.agent_id, 0) + 1
    leads = queries.leads_by_agent(session=session, start=week.monday, end=week.sunday)
    agents = session.exec(select(Agent).where(Agent.id.in_(leads), Agent.role.in_(permissions.ASSESSED),
                                              Agent.active).order_by(Agent.employee_id)).all()
    found = []
    for agent in agents:
        if not any(is_employed(queries.as_rules_agent(agent), d) for d in week.days()):
            continue
        assigned, contacted = leads[agent.id]
        rate = contact_rate(assigned, contacted)
        miss = weekly_miss(policy, rate, misses_before.get(agent.id, 0)) if rate is not None else None
        if miss is None:
            continue
        entry = written.get(agent.id) or _write(session, agent, day, week, rate, miss, len(policy.contact_ladder))
        found.append(WeekMiss(week, agent, assigned, contacted, rate, miss, entry,
                              month_score(session, center, agent, day)))
    session.commit()  # the entries before the DMs: a run taken over finds them, and tells of them
    return found


def _write(session: Session, agent: Agent, day: date, week: Week, rate: Fraction, miss: Miss,
           steps: int) -> LedgerEntry:
    entry = LedgerEntry(agent_id=agent.id, day=day, points=-miss.points, code=f"{CODE}{min(miss.number, steps)}",
                        reason=f"{week} {percent(rate):.1f}%", author_id=None)
    session.add(entry)
    session.flush()
    return entry
