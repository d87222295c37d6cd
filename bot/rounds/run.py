"""The scheduled rounds. Each run is claimed per job and period; its messages are written to
the outbox under unique keys, then sent. Run twice, at once, or after a crash, every message
still goes out once: a second run finds the keys taken (and sends only what was left pending),
a crashed run is taken over when its heartbeat stops and sends only what is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.outbox import deliveries as outbox, runner
from bot.config.center import Center
from bot.outbox.fanout import fan_out
from bot.store.models import Agent, JobRun, utcnow
from bot.usecases.reviews import month_end, reviews_for
from bot.usecases.days import nudges, team_digests
from bot.outbox.deliveries import Attachment, Message, Outcome
from messages import slack
from messages.charts import bar_chart
from messages.render import render, text
from scoring.calendar import Month
from scoring.problems import Problem
from scoring.schedule import MONTH_END, MORNING

LEASE = timedelta(minutes=5)  # a run whose heartbeat is older is taken over
Item = tuple[str, str, Message]  # key, recipient, message
KEYS = {MORNING: ("morning:{}:", "digest:{}:"), MONTH_END: ("month-end:{}:", "review:{}:")}  # a round's messages


@dataclass(frozen=True)
class Chat:
    sender: outbox.Sender  # also an outbox.Verifier
    link: Callable[[], None]  # match roster rows to chat users before a round
    reaches: Callable[[Agent], bool]  # has a chat identity
    channel: str | None  # where month-end posts go, e.g. "#C0123"


@dataclass
class RoundReport:
    job: str
    period: str
    state: str  # ran, done_before (outcome: what was left pending, sent now), running_elsewhere, not_working_day
    queued: int = 0
    outcome: Outcome | None = None


def morning(*, center: Center, engine: Engine, chat: Chat, day: date, force: bool = False) -> RoundReport:
    """The morning round of `day`: each agent's nudge, each lead's digest."""
    if day > center.today():
        raise Problem("round.future_day", day=day.isoformat())
    if not force and not center.calendar.is_working_day(day):
        return RoundReport(MORNING, day.isoformat(), "not_working_day")
    return _round(engine, chat, MORNING, day.isoformat(),
                  lambda session: morning_messages(session, center, chat, day))


def month_end_round(*, center: Center, engine: Engine, chat: Chat, month: Month) -> RoundReport:
    """The month-end round about `month`: the leaderboard post, final months, review lists."""
    if month.last >= center.today():
        raise Problem("round.open_month", month=str(month))
    return _round(engine, chat, MONTH_END, str(month),
                  lambda session: month_end_messages(session, center, chat, month))


def _round(engine: Engine, chat: Chat, job: str, period: str,
           build: Callable[[Session], list[Item]], lease: timedelta = LEASE) -> RoundReport:
    claimed = claim_run(engine, job, period, lease)
    if claimed == "done_before":
        return _send_what_is_left(engine, chat, job, period, lease)
    if isinstance(claimed, str):
        return RoundReport(job, period, claimed)
    beat = _Heartbeat(engine, claimed)
    chat.link()
    outbox.settle_in_doubt(engine, chat.sender, older_than=lease)  # left by a sender that died
    with Session(engine) as session:
        keys = outbox.enqueue_many(session=session, items=build(session))
    outcome = fan_out(engine, chat.sender, keys, heartbeat=beat)
    finish_run(engine, claimed, json.dumps({"sent": len(outcome.sent), "pending": len(outcome.pending),
                                            "failed": len(outcome.failed)}))
    return RoundReport(job, period, "ran", len(keys), outcome)


def _send_what_is_left(engine: Engine, chat: Chat, job: str, period: str, lease: timedelta) -> RoundReport:
    """A round that ran already: send only its messages still pending. Run by hand, it sends
    them however old (as the round's first run did); the scheduler's retry drops stale news."""
    outbox.settle_in_doubt(engine, chat.sender, older_than=lease)
    left = outbox.pending_keys(engine, tuple(prefix.format(period) for prefix in KEYS[job]))
    if not left:
        return RoundReport(job, period, "done_before")
    return RoundReport(job, period, "done_before", len(left), fan_out(engine, chat.sender, left))


def morning_messages(session: Session, center: Center, chat: Chat, day: date) -> list[Item]:
    days = nudges(session=session, center=center, today=day)
    until = datetime.combine(day + timedelta(days=1), time(), center.tz)  # a morning's news, that day only
    items: list[Item] = []
    for employee_id, nudge in days.items():
        if chat.reaches(nudge.agent):
            words = render("morning_nudge", center.locale_of(nudge.agent), n=nudge)
            items.append((f"morning:{day}:{employee_id}", employee_id, Message(words, until=until)))
    report_day = center.calendar.previous_working_day(day)
    for lead in session.exec(select(Agent).where(Agent.role == "lead", Agent.active)
                             .order_by(Agent.employee_id)).all():
        digests = team_digests(session=session, lead=lead, day=report_day, days=days)
        if digests and chat.reaches(lead):
            words = render("teamstats", center.locale_of(lead), digests=digests)
            items.append((f"digest:{day}:{lead.employee_id}", lead.employee_id, Message(words, until=until)))
    return items


def month_end_messages(session: Session, center: Center, chat: Chat, month: Month) -> list[Item]:
    policy, locale = center.policy, center.settings.locale
    end = month_end(session=session, center=center, month=month)
    items: list[Item] = []
    if chat.channel:
        top = end.board.places[:policy.leaderboard_places]
        post = dict(b=end.board, places=top, teams=end.teams)
        items.append((f"month-end:{month}:{chat.channel}", chat.channel,
                      Message(render("leaderboard_post", locale, **post),
                              slack.blocks("leaderboard_post", locale, **post))))
        chart = bar_chart(str(month), [(f"{p.rank}  {p.key.agent.employee_id}", p.value,
                                        _shown(p.value, end.board.metric)) for p in top])
        items.append((f"month-end:{month}:{chat.channel}:chart", chat.channel,
                      Message(text(locale, "post.chart", month=str(month)), file=Attachment(f"{month}.png", chart))))
    for employee_id, standing in end.board.all.items():
        agent = standing.agent
        if agent.active and chat.reaches(agent):
            words = render("month_result", center.locale_of(agent), s=standing, policy=policy,
                           place=end.board.place_of(employee_id), ranked=len(end.board.places),
                           metric=end.board.metric)
            items.append((f"month-end:{month}:{employee_id}", employee_id, Message(words)))
    for reader in session.exec(select(Agent).where(Agent.role.in_(("lead", "manager", "admin")), Agent.active)
                               .order_by(Agent.employee_id)).all():
        if chat.reaches(reader):
            words = render("review_list", center.locale_of(reader), month=month, policy=policy,
                           reviews=reviews_for(session=session, month_end_=end, reader=reader),
                           level_months=end.level_months)
            items.append((f"review:{month}:{reader.employee_id}", reader.employee_id, Message(words)))
    return items


def _shown(value: float, metric: str) -> str:
    """A value as the chart shows it: numbers only, the same in every language."""
    return f"{value:.1f}%" if metric == "attainment" else f"{value:,.0f}"


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
        if not runner.is_gone(found.runner) and found.heartbeat_at >= utcnow() - lease:
            return "running_elsewhere"
        taken = session.execute(update(JobRun).where(JobRun.id == found.id, JobRun.status == "running",
                                                     JobRun.heartbeat_at == found.heartbeat_at)
                                .values(heartbeat_at=utcnow(), runner=runner.me())).rowcount
        session.commit()
        return found.id if taken else "running_elsewhere"


def finish_run(engine: Engine, run_id: int, summary: str) -> None:
    with Session(engine) as session:
        session.execute(update(JobRun).where(JobRun.id == run_id)
                        .values(status="done", finished_at=utcnow(), summary=summary))
        session.commit()


def stale_runs(engine: Engine, lease: timedelta = LEASE) -> list[JobRun]:
    """Runs whose runner is gone or stopped beating: to be resumed."""
    with Session(engine) as session:
        running = session.exec(select(JobRun).where(JobRun.status == "running")).all()
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
