"""The bot's daily rhythm on APScheduler 3.

Every process keeps its own in-memory cron triggers in the center's time zone (APScheduler
must not share a job store between processes); the database decides who runs, since rounds,
pull slots and deliveries are claimed. Each trigger only asks what is due now, so a late start,
a restart or a second replica never adds a round or a pull.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from bot.config.center import Center
from bot.outbox import deliveries
from bot.outbox.fanout import fan_out
from bot.outbox.platforms import Platforms
from bot.rounds.contact import contact_round
from bot.rounds.month_end import month_end_round
from bot.rounds.morning import morning
from bot.rounds.pull_summary import pull_and_tell
from bot.rounds.run import (
    LEASE,
    RoundReport,
    claim_run,
    finish_run,
    held_runs,
    stale_runs,
)
from bot.sources.pull import Pulled
from bot.store.models import utcnow
from scoring.calendar import Month
from scoring.contact import Week
from scoring.schedule import CONTACT, MONTH_END, MORNING, PULL, Due, due, pull_due, pull_times

log = logging.getLogger("kpibot.scheduler")
RETRY_MINUTES = 5
STAND_BY_SECONDS = 5.0  # how often a replica that lost a round's claim looks at the round again


class Rounds:
    """What the triggers run."""

    def __init__(self, center: Center, engine: Engine, platforms: Platforms):
        self.center, self.engine, self.platforms = center, engine, platforms
        self._stopping = threading.Event()

    def stop(self) -> None:
        """The process is stopping: a replica standing by for a round stops waiting."""
        self._stopping.set()

    @property
    def pulls(self) -> bool:
        """True when a stats source is set, so that the scheduler pulls from it."""
        return bool(self.center.settings.stats.source)

    def pull(self) -> list[Pulled]:
        """Import what is new at the stats source (and tell the admins of the last day's troubles)."""
        return pull_and_tell(center=self.center, engine=self.engine, platforms=self.platforms,
                             today=self.center.today())

    def scheduled_pull(self) -> list[Pulled]:
        """The pull of the slot due now, if any (none on a day off): once per slot, by whichever
        process claims it first."""
        slot = pull_due(self.center.policy, self.center.calendar, datetime.now(self.center.tz))
        if slot is None:
            return []
        claimed = claim_run(self.engine, slot.job, slot.period)
        if isinstance(claimed, str):
            log.info("pull %s: %s", slot.period, claimed)
            return []
        pulled: list[Pulled] = []
        try:
            pulled = self.pull()
        finally:  # a pull that raised is over too: the next slot pulls again
            finish_run(self.engine, claimed, json.dumps({"files": len(pulled), "new": sum(p.new for p in pulled),
                                                         "failed": sum(p.failed for p in pulled)}))
        return pulled

    def catch_up(self) -> list[RoundReport]:
        """At start: pull the stats (they may be late too), then run what is due."""
        if self.pulls:
            self.pull()
        return self.tick()

    def tick(self) -> list[RoundReport]:
        """Run every round due now (none, usually, except at the policy's times)."""
        now = datetime.now(self.center.tz)
        return [self.see_through(d) for d in due(self.center.policy, self.center.calendar, now)]

    def see_through(self, round_: Due) -> RoundReport:
        """Run `round_`; when another replica is running it, stand by until it is done, and take
        it over should that replica die (at once on this machine, after its lease on another)."""
        report = self._start(round_)
        if report.state == "running_elsewhere":
            log.info("%s %s: running in another process; standing by", report.job, report.period)
        while report.state == "running_elsewhere" and not self._stopping.wait(STAND_BY_SECONDS):
            report = self._start(round_)
        return self._logged(round_, report)

    def run(self, round_: Due, force: bool = False) -> RoundReport:
        return self._logged(round_, self._start(round_, force))

    def _start(self, round_: Due, force: bool = False) -> RoundReport:
        if round_.job == MORNING:
            return morning(center=self.center, engine=self.engine, platforms=self.platforms,
                           day=date.fromisoformat(round_.period), force=force)
        if round_.job == CONTACT:
            return contact_round(center=self.center, engine=self.engine, platforms=self.platforms,
                                 week=Week.parse(round_.period), force=force)
        return month_end_round(center=self.center, engine=self.engine, platforms=self.platforms,
                               month=Month.parse(round_.period))

    def _logged(self, round_: Due, report: RoundReport) -> RoundReport:
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
            if run.job != PULL:  # a pull whose process died is not resumed: the next slot pulls
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
    """Cron triggers at the policy's times in the center's zone (the pull's at each of its slots),
    a catch-up run at start, and the retry every few minutes. Missed runs are coalesced into one."""
    policy, tz = rounds.center.policy, rounds.center.tz
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=tz)
    each = {"coalesce": True, "max_instances": 1, "misfire_grace_time": max(60, policy.catch_up_hours * 3600)}
    for job, at in ((MORNING, policy.morning_at), (MONTH_END, policy.month_end_at)):
        scheduler.add_job(rounds.tick, _daily(at, tz), id=job, **each)
    if rounds.pulls:
        scheduler.add_job(rounds.scheduled_pull, _daily_at(pull_times(policy), tz), id=PULL, **each)
    scheduler.add_job(rounds.retry, IntervalTrigger(minutes=RETRY_MINUTES, timezone=tz), id="retry", **each)
    scheduler.add_job(rounds.catch_up, id="catch-up", **each)  # now: a round whose time passed a little ago
    return scheduler


def _daily(at, tz) -> CronTrigger:
    return CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=tz)


def _daily_at(times: tuple[time, ...], tz) -> BaseTrigger:
    """Every day at each of `times` (all with the same second): one cron for each set of hours
    that have the same minutes, e.g. 8:30 | 9-20 at :00 and :30 | 21:00. Holidays are for the
    job to check: cron does not know them."""
    minutes_of: dict[int, list[int]] = defaultdict(list)
    for at in times:
        minutes_of[at.hour].append(at.minute)
    hours_of: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for hour, minutes in minutes_of.items():
        hours_of[tuple(minutes)].append(hour)
    crons = [CronTrigger(hour=_listed(hours), minute=_listed(minutes), second=times[0].second, timezone=tz)
             for minutes, hours in hours_of.items()]
    return crons[0] if len(crons) == 1 else OrTrigger(crons)


def _listed(numbers: Iterable[int]) -> str:
    return ",".join(str(n) for n in numbers)
