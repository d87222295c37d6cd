"""The morning's contents on a real database: each agent's nudge and each lead's digest."""

from __future__ import annotations

from datetime import date

import scenario
from bot.usecases.days import nudges, team_digests
from factories import add_day
from messages.render import render
from scoring.calendar import Month


def test_on_the_first_of_a_month_the_digest_gives_the_reported_days_month(session, center):
    people = scenario.build(session)
    add_day(session, people["wang"], date(2026, 11, 30), 30, 100)

    round_ = nudges(session=session, center=center, today=date(2026, 12, 1))
    digest, = team_digests(session=session, lead=people["lead"], day=date(2026, 11, 30), days=round_)

    # November: 60 + 66 + 55 + 30 = 211 of 21 × 60 = 1,260 calls, 33,270 s of 21 × 150 × 60 =
    # 189,000: (16.75 % + 17.60 %) / 2 = 17.17 % -> 17.2 %.
    assert render("lead_digest", "en", d=digest) == """\
Team 1, Mon 30 Nov: 0 of 2 met the daily quota.
Behind:
  Wang Fang (A001): short by 30 calls and 50 min · month 17.2%
No numbers: Li Na
"""
    assert round_["A001"].standing.month.month == Month(2026, 12)  # the nudge starts December
