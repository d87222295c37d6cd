"""The pulls' day in one message to the admins: the rows the pulls of a working day left out and
why, and the sources that gave nothing. Sent once, by the first pull of the next working day;
a day whose pulls all went well sends nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config.center import Center
from bot.outbox.platforms import Note, Platforms
from bot.rounds.run import RoundReport, run_round
from bot.sources.pull import Pulled, Skipped, pull, skipped_rows
from bot.store import queries
from bot.store.models import StatsPull

PULL_SUMMARY = "pull-summary"
SHOWN_ROWS = 5  # of each pull's rows left out; the count is of them all


@dataclass
class PullTrouble:
    at: datetime  # in the center's time zone
    pull: StatsPull
    skipped: Skipped
    last_at: datetime | None = None  # the same error again until then, `times` in all
    times: int = 1


def pull_and_tell(*, center: Center, engine: Engine, platforms: Platforms, today: date) -> list[Pulled]:
    """Pull now; then, once a day (the delivery keys see to it), tell the admins what went wrong
    in the last working day's pulls, when platforms are set up to tell them on."""
    pulled = pull(center=center, engine=engine, today=today)
    if platforms:
        pull_summary(center=center, engine=engine, platforms=platforms,
                     day=center.calendar.previous_working_day(today))
    return pulled


def pull_summary(*, center: Center, engine: Engine, platforms: Platforms, day: date) -> RoundReport | None:
    """Tell the admins what went wrong in `day`'s pulls; None when nothing did."""
    with Session(engine) as session:
        troubles = day_troubles(session=session, center=center, day=day)
    if not troubles:
        return None
    return run_round(engine=engine, platforms=platforms, job=PULL_SUMMARY, period=day.isoformat(),
                     build=lambda session: _notes(session, center, day, troubles),
                     prefixes=(f"{PULL_SUMMARY}:{day}:",))


def day_troubles(*, session: Session, center: Center, day: date) -> list[PullTrouble]:
    """The pulls of the center's `day` that left rows out or got nothing, in order."""
    start = datetime.combine(day, time(), center.tz).astimezone(UTC)
    pulls = session.exec(select(StatsPull).where(StatsPull.pulled_at >= start,
                                                 StatsPull.pulled_at < start + timedelta(days=1),
                                                 (StatsPull.skipped > 0) | (StatsPull.error.is_not(None)))
                         .order_by(StatsPull.pulled_at, StatsPull.id)).all()
    troubles: list[PullTrouble] = []
    failing: dict[tuple[str, str], PullTrouble] = {}  # a source down all morning is one line
    for p in pulls:
        again = failing.get((p.name, p.error)) if p.error else None
        if again is not None:
            again.last_at, again.times = p.pulled_at.astimezone(center.tz), again.times + 1
            continue
        troubles.append(PullTrouble(p.pulled_at.astimezone(center.tz), p, skipped_rows(p)))
        if p.error:
            failing[(p.name, p.error)] = troubles[-1]
    return troubles


def _notes(session: Session, center: Center, day: date, troubles: list[PullTrouble]):
    until = datetime.combine(day + timedelta(days=7), time(), center.tz)
    for admin in queries.pull_readers(session=session):
        yield Note(f"{PULL_SUMMARY}:{day}:{admin.employee_id}", admin, "pull_summary",
                   {"day": day, "troubles": troubles, "shown": SHOWN_ROWS}, center.locale_of(admin), until)
