"""The bot's daily rhythm on APScheduler 3.

Every process keeps its own in-memory cron triggers in the center's time zone (APScheduler
must not share a job store between processes); the database decides who runs, since rounds
and deliveries are claimed. Each trigger only asks what is due now, so a late start, a restart
or a second replica never adds a round.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from bot.config.center import Center
from bot.outbox import deliveries
from bot.outbox.fanout import fan_out
from bot.outbox.platforms import Platforms
from bot.rounds.month_end import month_end_round
from bot.rounds.morning import morning
from bot.rounds.run import LEASE, RoundReport, held_runs, stale_runs
from bot.rounds.pull_summary import pull_and_tell
from bot.sources.pull import Pulled
from bot.store.models import utcnow
from scoring.calendar import Month
from scoring.schedule import MONTH_END, MORNING, Due, due

log = logging.getLogger("kpibot.scheduler")
RETRY_MINUTES = 5


class Rounds:
    """What the triggers run."""

    def __init__(self, center: Center, engine: Engine, platforms: Platforms):
        self.center, self.engine, self.platforms = center, engine, platforms

    @property
    def pulls(self) -> bool:
        """True when a stats source is set, so that the scheduler pulls from it."""
        return bool(self.center.settings.stats.source)

    def pull(self) -> list[Pulled]:
        """Import what is new at the stats source (and tell the admins of the last day's troubles)."""
        return pull_and_tell(center=self.center, engine=self.engine, platforms=self.platforms,
                             today=self.center.today())

    def catch_up(self) -> list[RoundReport]:
        """At start: pull the stats (they may be late too), then run what is due."""
        if self.pulls:
            self.pull()
        return self.tick()

    def tick(self) -> list[RoundReport]:
        """Run every round due now (none, usually, except at the policy's times)."""
        now = datetime.now(self.center.tz)
        return [self.run(d) for d in due(self.center.policy, self.center.calendar, now)]

    def run(self, round_: Due, force: bool = False) -> RoundReport:
        if round_.job == MORNING:
            report = morning(center=self.center, engine=self.engine, platforms=self.platforms,
                             day=date.fromisoformat(round_.period), force=force)
        else:
            report = month_end_round(center=self.center, engine=self.engine, platforms=self.platforms,
                                     month=Month.parse(round_.period))
        if report.state == "held":
            log.warning("%s %s held: no numbers for %s yet", report.job, report.period, report.waiting_for)
        else:
            log.info("%s %s: %s", report.job, report.period, report.state)
        if round_.job == MONTH_END and self.platforms.unset_channels():
            log.warning("%s %s: no leaderboard post, %s not set (run the round again once it is)",
                        report.job, report.period, ", ".join(self.platforms.unset_channels()))
        return report

    def retry(self) -> None:
        """Resume rounds whose runner died, settle deliveries in doubt, send what is pending."""
        expired = deliveries.expire(self.engine, utcnow())
        if expired:
            log.info("retry: %d messages no longer worth sending, not sent: %s", len(expired), ", ".join(expired[:5]))
        for run in stale_runs(self.engine):
            self.run(Due(run.job, run.period), force=True)
        self._release_held()
        deliveries.settle_in_doubt(self.engine, self.platforms, older_than=LEASE)
        pending = deliveries.pending_keys(self.engine, self.platforms)
        if pending:
            outcome = fan_out(self.engine, self.platforms, pending)
            log.info("retry: %d sent, %d pending, %d failed", len(outcome.sent), len(outcome.pending),
                     len(outcome.failed))


    def _release_held(self) -> None:
        """Run again the held rounds still due (their numbers may have come): pull first."""
        now = datetime.now(self.center.tz)
        waiting = [Due(run.job, run.period) for run in held_runs(self.engine)]
        due_now = [d for d in waiting if d in due(self.center.policy, self.center.calendar, now)]
        if due_now and self.pulls:
            self.pull()
        for round_ in due_now:
            self.run(round_)


def build_scheduler(rounds: Rounds, blocking: bool = False) -> BaseScheduler:
    """Cron triggers at the policy's times in the center's zone, a catch-up run at start, and the
    retry every few minutes. Missed runs are coalesced into one."""
    policy, tz = rounds.center.policy, rounds.center.tz
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=tz)
    each = {"coalesce": True, "max_instances": 1, "misfire_grace_time": max(60, policy.catch_up_hours * 3600)}
    for job, at in ((MORNING, policy.morning_at), (MONTH_END, policy.month_end_at)):
        scheduler.add_job(rounds.tick, _daily(at, tz), id=job, **each)
    if rounds.pulls:
        scheduler.add_job(rounds.pull, _daily(policy.pull_at, tz), id="pull", **each)
    scheduler.add_job(rounds.retry, IntervalTrigger(minutes=RETRY_MINUTES, timezone=tz), id="retry", **each)
    scheduler.add_job(rounds.catch_up, id="catch-up", **each)  # now: a round whose time passed a little ago
    return scheduler


def _daily(at, tz) -> CronTrigger:
    return CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=tz)
