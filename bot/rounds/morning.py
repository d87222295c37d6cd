"""The morning round: each agent's nudge about the last working day and the month so far, and
each lead's digest of their teams. A morning's messages are news that day only.

Until the call-center system has sent numbers for the day reported, the round is held rather
than tell everyone there were none: it goes out once they are imported (at the scheduler's next
retry, or run again by hand), or anyway with --force."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config.center import Center
from bot.outbox.platforms import Note, Platforms
from bot.rounds.run import RoundReport, has_numbers, hold_run, run_round
from bot.store import queries
from bot.usecases.days import nudges, team_digests
from scoring.problems import Problem
from scoring.schedule import MORNING


def morning(*, center: Center, engine: Engine, platforms: Platforms, day: date, force: bool = False) -> RoundReport:
    """The morning round of `day`: each agent's nudge, each lead's digest."""
    if day > center.today():
        raise Problem("round.future_day", day=day.isoformat())
    if not force and not center.calendar.is_working_day(day):
        return RoundReport(MORNING, day.isoformat(), "not_working_day")
    reported = center.calendar.previous_working_day(day)
    if not force and not has_numbers(engine, reported) and hold_run(engine, MORNING, day.isoformat()):
        return RoundReport(MORNING, day.isoformat(), "held", waiting_for=reported)
    return run_round(engine=engine, platforms=platforms, job=MORNING, period=day.isoformat(),
                     build=lambda session: morning_notes(session, center, day),
                     prefixes=(f"morning:{day}:", f"digest:{day}:"))


def morning_notes(session: Session, center: Center, day: date) -> Iterator[Note]:
    """The morning's nudges, then the leads' digests of the day before."""
    days = nudges(session=session, center=center, today=day)
    until = datetime.combine(day + timedelta(days=1), time(), center.tz)  # a morning's news, that day only
    for employee_id, nudge in days.items():
        yield Note(f"morning:{day}:{employee_id}", nudge.agent, "morning_nudge", {"n": nudge},
                   center.locale_of(nudge.agent), until)
    report_day = center.calendar.previous_working_day(day)
    for lead in queries.digest_readers(session=session):
        digests = team_digests(session=session, lead=lead, day=report_day, days=days)
        if digests:
            yield Note(f"digest:{day}:{lead.employee_id}", lead, "morning_digest", {"digests": digests},
                       center.locale_of(lead), until)
