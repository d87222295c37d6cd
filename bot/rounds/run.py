"""Running a round: claimed per job and period, its notes written to the outbox under unique
keys, then sent. Run twice, at once, or after a crash, every message still goes out once: a
second run finds the keys taken (and sends only what was left pending), a crashed run is taken
over when its heartbeat stops and sends only what is missing.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.outbox import deliveries, runner
from bot.outbox.deliveries import Outcome
from bot.outbox.fanout import fan_out
from bot.outbox.platforms import Note, Platforms, write
from bot.store import queries
from bot.store.models import JobRun, utcnow

LEASE = timedelta(minutes=5)  # a run whose heartbeat is older is taken over
HELD = "held"  # a run waiting for what it needs (the morning's numbers); the first run that has it goes
Build = Callable[[Session], Iterable[Note]]


@dataclass
class RoundReport:
    job: str
    period: str
    state: str  # ran, done_before (outcome: what was left pending, sent now), running_elsewhere,
    #             not_working_day, held (waiting_for: the day whose numbers it waits for)
    queued: int = 0
    outcome: Outcome | None = None
    waiting_for: date | None = None


def run_round(*, engine: Engine, platforms: Platforms, job: str, period: str, build: Build,
              prefixes: tuple[str, ...], again: Build | None = None, lease: timedelta = LEASE) -> RoundReport:
    """Claim the run of `job` for `period` and send what `build` writes. Run before, it writes
    what `again` writes that is new (what could not be written then), and sends only what is
    still pending among the keys starting with one of `prefixes`."""
    claimed = claim_run(engine, job, period, lease)
    if claimed == "done_before":
        if again is not None:
            with Session(engine) as session:
                write(session=session, platforms=platforms, notes=again(session))
        return _send_what_is_left(engine, platforms, job, period, prefixes, lease)
    if isinstance(claimed, str):
        return RoundReport(job, period, claimed)
    beat = _Heartbeat(engine, claimed)
    platforms.link(engine)
    deliveries.settle_in_doubt(engine, platforms, older_than=lease)  # left by a sender that died
    with collector_paused(), Session(engine) as session:
        keys = write(session=session, platforms=platforms, notes=build(session))
    outcome = fan_out(engine, platforms, keys, heartbeat=beat)
    finish_run(engine, claimed, json.dumps({"sent": len(outcome.sent), "pending": len(outcome.pending),
                                            "failed": len(outcome.failed)}))
    return RoundReport(job, period, "ran", len(keys), outcome)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a round's messages are built and written.

    A large center's round builds hundreds of thousands of objects that all live until it is
    written, and each full pass of the collector walks them all (and everything else alive): for
    20,000 agents those passes cost about as much as the building itself. Reference counting
    still frees whatever is dropped meanwhile, and the collector resumes once the round is written.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _send_what_is_left(engine: Engine, platforms: Platforms, job: str, period: str,
                       prefixes: tuple[str, ...], lease: timedelta) -> RoundReport:
    """A round that ran already: send only its messages still pending. Run by hand, it sends
    them however old (as the round's first run did); the scheduler's retry drops stale news."""
    deliveries.settle_in_doubt(engine, platforms, older_than=lease)
    left = deliveries.pending_keys(engine, platforms, prefixes)
    if not left:
        return RoundReport(job, period, "done_before")
    return RoundReport(job, period, "done_before", len(left), fan_out(engine, platforms, left))


# --- claims -------------------------------------------------------------------------------


def claim_run(engine: Engine, job: str, period: str, lease: timedelta = LEASE) -> int | str:
    """The run's id when this process may run it; else why not (done_before, running_elsewhere).

    A run left behind is taken over, once: at once when its process on this machine is gone,
    else when its heartbeat is older than `lease`.
    """
    with Session(engine) as session:
        try:
            run = JobRun(job=job, period=period, runner=runner.me())
            session.add(run)
            session.commit()
            return run.id
        except IntegrityError:
            session.rollback()
        found = session.exec(select(JobRun).where(JobRun.job == job, JobRun.period == period)).one()
        if found.status == "done":
            return "done_before"
        if found.status == HELD:
            return _take(session, found, JobRun.status == HELD)
        if not runner.is_gone(found.runner) and found.heartbeat_at >= utcnow() - lease:
            return "running_elsewhere"
        return _take(session, found, JobRun.status == "running", JobRun.heartbeat_at == found.heartbeat_at)


def _take(session: Session, found: JobRun, *still) -> int | str:
    """Take over `found` if it is `still` as it was: one UPDATE decides between processes."""
    taken = session.execute(update(JobRun).where(JobRun.id == found.id, *still)
                            .values(status="running", heartbeat_at=utcnow(), runner=runner.me())).rowcount
    session.commit()
    return found.id if taken else "running_elsewhere"


def hold_run(engine: Engine, job: str, period: str) -> bool:
    """Write the run down as held, waiting for what it needs; False when it has run or is running
    (then it is not held back: run_round says what became of it)."""
    with Session(engine) as session:
        try:
            session.add(JobRun(job=job, period=period, status=HELD))
            session.commit()
            return True
        except IntegrityError:
            session.rollback()
        return session.exec(select(JobRun.status).where(JobRun.job == job, JobRun.period == period)).one() == HELD


def has_numbers(engine: Engine, day: date) -> bool:
    """True when the call-center system sent numbers for `day`: what a held round waits for."""
    with Session(engine) as session:
        return queries.has_stats(session=session, day=day)


def held_runs(engine: Engine) -> list[JobRun]:
    with Session(engine) as session:
        return list(session.exec(select(JobRun).where(JobRun.status == HELD).order_by(JobRun.id)).all())


def finish_run(engine: Engine, run_id: int, summary: str) -> None:
    with Session(engine) as session:
        session.execute(update(JobRun).where(JobRun.id == run_id)
                        .values(status="done", finished_at=utcnow(), summary=summary))
        session.commit()


def stale_runs(engine: Engine, lease: timedelta = LEASE) -> list[JobRun]:
    """Runs whose runner is gone or stopped beating: to be resumed."""
    with Session(engine) as session:
        running = session.exec(select(JobRun).where(JobRun.status == "running").order_by(JobRun.id)).all()
    return [r for r in running if runner.is_gone(r.runner) or r.heartbeat_at < utcnow() - lease]


class _Heartbeat:
    """Tells the database the run is alive, at most every few seconds."""

    def __init__(self, engine: Engine, run_id: int, every: float = 5.0):
        self.engine, self.run_id, self.every = engine, run_id, every
        self._last = utcnow()

    def __call__(self) -> None:
        now = utcnow()
        if (now - self._last).total_seconds() < self.every:
            return
        self._last = now
        with Session(self.engine) as session:
            session.execute(update(JobRun).where(JobRun.id == self.run_id).values(heartbeat_at=now))
            session.commit()
