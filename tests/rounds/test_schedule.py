"""When the rounds fire: the policy's times in the center's zone, on working days only, a late
start caught up within the catch-up window, and daylight saving honoured; and the stats pull's
slots, every N minutes in the policy's window on working days."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.config.calendars import work_calendar
from bot.config.center import Center
from bot.rounds.scheduler import Rounds, build_scheduler
from bot.config.settings import Settings, StatsSource
from scoring.schedule import CONTACT, MONTH_END, MORNING, PULL, Due, due, pull_due, pull_times

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.mark.parametrize("now, expected", [
    ("2026-11-23 08:59:59", []),  # Monday, just before nine
    # a Monday: the morning, and last week's contact rate
    ("2026-11-23 09:00:00", [Due(MORNING, "2026-11-23"), Due(CONTACT, "2026-W47")]),
    ("2026-11-23 09:40:00", [Due(MORNING, "2026-11-23"), Due(CONTACT, "2026-W47")]),  # started late: still that morning
    ("2026-11-23 11:59:59", [Due(MORNING, "2026-11-23"), Due(CONTACT, "2026-W47")]),
    ("2026-11-23 12:00:00", []),  # three hours on: too late for "good morning"
    ("2026-11-22 09:00:00", []),  # Sunday
    ("2026-10-05 09:00:00", []),  # National Day holiday (a Monday)
    ("2026-10-10 09:00:00", [Due(MORNING, "2026-10-10")]),  # Saturday, a make-up working day
    ("2026-12-01 09:30:00", [Due(MORNING, "2026-12-01"), Due(MONTH_END, "2026-11")]),
    ("2026-12-02 09:30:00", [Due(MORNING, "2026-12-02")]),  # month-end only on the first working day
    # 1 Nov is a Sunday
    ("2026-11-02 09:30:00", [Due(MORNING, "2026-11-02"), Due(CONTACT, "2026-W44"), Due(MONTH_END, "2026-10")]),
    # after the holiday, which took the first working days after week 40
    ("2026-10-08 10:00:00", [Due(MORNING, "2026-10-08"), Due(CONTACT, "2026-W40"), Due(MONTH_END, "2026-09")]),
])
def test_what_is_due(policy, calendar, now, expected):
    assert due(policy, calendar, at(now)) == expected



def pulls(policy, start: str, until: str, every: int):
    return replace(policy, pull_at=time.fromisoformat(start), pull_until=time.fromisoformat(until),
                   pull_every_minutes=every)


@pytest.mark.parametrize("start, until, every, expected", [
    ("08:30", "21:00", 30, ["08:30", "09:00", "09:30"] + [f"{h}:{m}" for h in range(10, 21) for m in ("00", "30")]
     + ["21:00"]),  # the last one starts at pull_until, when it falls on a slot
    ("08:30", "20:45", 30, ["08:30", "09:00", "09:30"] + [f"{h}:{m}" for h in range(10, 21) for m in ("00", "30")]),
    ("08:30", "21:00", 45, ["08:30", "09:15", "10:00", "10:45", "11:30", "12:15", "13:00", "13:45", "14:30",
                            "15:15", "16:00", "16:45", "17:30", "18:15", "19:00", "19:45", "20:30"]),
    ("08:30", "21:00", 720, ["08:30", "20:30"]),
    ("08:30", "08:32", 1, ["08:30", "08:31", "08:32"]),
    ("08:30", "21:00", 0, ["08:30"]),  # once a day
    ("08:30:15", "09:00", 10, ["08:30:15", "08:40:15", "08:50:15"]),
])
def test_the_pull_slots_of_a_working_day(policy, start, until, every, expected):
    assert pull_times(pulls(policy, start, until, every)) == tuple(time.fromisoformat(t) for t in expected)


def slot(period: str) -> Due:
    return Due(PULL, period)


@pytest.mark.parametrize("now, expected", [
    ("2026-11-23 08:29:59", None),  # Monday, before the first pull
    ("2026-11-23 08:30:00", slot("2026-11-23T08:30")),
    ("2026-11-23 08:59:59", slot("2026-11-23T08:30")),
    ("2026-11-23 09:00:00", slot("2026-11-23T09:00")),
    ("2026-11-23 15:02:00", slot("2026-11-23T15:00")),
    ("2026-11-23 20:59:59", slot("2026-11-23T20:30")),
    ("2026-11-23 21:00:00", slot("2026-11-23T21:00")),  # the last pull starts at pull_until
    ("2026-11-23 23:30:00", slot("2026-11-23T21:00")),  # run late, it is still the last slot's
    ("2026-11-24 00:00:00", None),  # a new day, before its first pull
    ("2026-11-22 15:00:00", None),  # Sunday
    ("2026-10-05 15:00:00", None),  # National Day holiday (a Monday)
    ("2026-10-10 15:00:00", slot("2026-10-10T15:00")),  # Saturday, a make-up working day
    ("2026-02-14 08:30:00", slot("2026-02-14T08:30")),  # Saturday, a make-up working day before Spring Festival
])
def test_which_pull_is_due(policy, calendar, now, expected):
    assert pull_due(policy, calendar, at(now)) == expected


@pytest.mark.parametrize("now, expected", [
    ("2026-11-23 08:29:59", None),
    ("2026-11-23 08:30:00", slot("2026-11-23T08:30")),
    ("2026-11-23 15:00:00", slot("2026-11-23T08:30")),  # the day's one pull, however late it runs
    ("2026-11-22 08:30:00", None),  # Sunday
])
def test_pulling_once_a_day(policy, calendar, now, expected):
    assert pull_due(pulls(policy, "08:30", "21:00", 0), calendar, at(now)) == expected


@pytest.mark.parametrize("now, expected", [
    ("2026-11-23 10:44:59", slot("2026-11-23T10:00")),
    ("2026-11-23 10:45:00", slot("2026-11-23T10:45")),
    ("2026-11-23 20:59:00", slot("2026-11-23T20:30")),  # 21:15 would be past pull_until
])
def test_slots_that_do_not_divide_the_hour(policy, calendar, now, expected):
    assert pull_due(pulls(policy, "08:30", "21:00", 45), calendar, at(now)) == expected

@pytest.fixture
def new_york(policy):
    ny = replace(policy, timezone="America/New_York", calendar="US")
    return Center(Settings(), ny, work_calendar(ny), ZoneInfo("America/New_York"))


@pytest.mark.parametrize("now, next_fire", [
    # Daylight saving ends Sunday 1 November 2026 in New York: 09:00 stays 09:00 local,
    # which is 13:00 UTC before and 14:00 UTC after.
    ("2026-10-30 10:00:00", "2026-10-31 09:00:00-04:00"),
    ("2026-10-31 10:00:00", "2026-11-01 09:00:00-05:00"),
    # It begins Sunday 8 March 2026.
    ("2026-03-07 10:00:00", "2026-03-08 09:00:00-04:00"),
])
def test_the_morning_trigger_keeps_local_time_across_daylight_saving(new_york, now, next_fire):
    scheduler = build_scheduler(Rounds(new_york, None, None))
    trigger = scheduler.get_job(MORNING).trigger
    fired = trigger.get_next_fire_time(None, at(now, new_york.tz))
    assert fired == datetime.fromisoformat(next_fire)
    assert fired.time() == time(9, 0)


@pytest.mark.parametrize("now, next_fire", [
    # Every half hour from 08:30 to 21:00 New York time, whichever side of the change.
    ("2026-10-31 20:40:00", "2026-10-31 21:00:00-04:00"),
    ("2026-10-31 21:10:00", "2026-11-01 08:30:00-05:00"),
    ("2026-11-01 08:40:00", "2026-11-01 09:00:00-05:00"),
    ("2026-03-07 21:10:00", "2026-03-08 08:30:00-04:00"),
])
def test_the_pull_trigger_keeps_local_time_across_daylight_saving(new_york, tmp_path, now, next_fire):
    sourced = replace(new_york, settings=Settings(stats=StatsSource(str(tmp_path))))
    trigger = build_scheduler(Rounds(sourced, None, None)).get_job(PULL).trigger
    assert trigger.get_next_fire_time(None, at(now, new_york.tz)) == datetime.fromisoformat(next_fire)


def test_every_trigger_has_the_centers_zone_and_missed_runs_are_coalesced(center):
    scheduler = build_scheduler(Rounds(center, None, None))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {MORNING, MONTH_END, "retry", "catch-up"}
    assert str(jobs[MORNING].trigger.timezone) == "Asia/Shanghai"
    assert (jobs[MORNING].coalesce, jobs[MORNING].max_instances) == (True, 1)
    assert jobs[MORNING].misfire_grace_time == 3 * 3600
    assert jobs[MONTH_END].trigger.get_next_fire_time(None, at("2026-11-23 09:31:00")) == \
        at("2026-11-24 09:30:00")
