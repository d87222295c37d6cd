"""The month-end round about a month just closed: the leaderboard post and its chart in every
platform's channel, each agent's final month, each lead's and manager's review list.

A platform whose channel is not set yet gets no post; run the round again once it is set and
the post goes out then (nothing else is sent twice)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config.center import Center
from bot.outbox.deliveries import Attachment
from bot.outbox.platforms import Channel, Note, Platforms
from bot.rounds.run import RoundReport, run_round
from bot.store import queries
from bot.usecases.incentives import incentives
from bot.usecases.reviews import MonthEnd, month_end, reviews_for
from messages.charts import bar_chart
from scoring.calendar import Month
from scoring.problems import Problem
from scoring.schedule import MONTH_END


def month_end_round(*, center: Center, engine: Engine, platforms: Platforms, month: Month) -> RoundReport:
    """The month-end round about `month`: the leaderboard post, final months, review lists."""
    if month.last >= center.today():
        raise Problem("round.open_month", month=str(month))
    return run_round(engine=engine, platforms=platforms, job=MONTH_END, period=str(month),
                     build=lambda session: month_end_notes(session, center, platforms, month),
                     again=lambda session: post_notes(session, center, platforms, month),
                     prefixes=(f"month-end:{month}:", f"review:{month}:"))


def month_end_notes(session: Session, center: Center, platforms: Platforms, month: Month) -> Iterator[Note]:
    end = month_end(session=session, center=center, month=month)
    yield from _posts(center, end, platforms.channels())
    incentive = incentives(session=session, center=center, standings=end.board.all.values(), today=center.today())
    for employee_id, standing in end.board.all.items():
        agent = standing.agent
        if agent.active:
            yield Note(f"month-end:{month}:{employee_id}", agent, "month_result",
                       dict(s=standing, policy=center.policy, place=end.board.place_of(employee_id),
                            ranked=len(end.board.places), metric=end.board.metric,
                            incentive=incentive.get(employee_id)),
                       center.locale_of(agent))
    led = queries.led_teams(session=session)
    for reader in queries.review_readers(session=session):
        reviews = reviews_for(month_end_=end, reader=queries.as_person(reader, led.get(reader.id, frozenset())))
        yield Note(f"review:{month}:{reader.employee_id}", reader, "review_list",
                   dict(month=month, policy=center.policy, reviews=reviews, level_months=end.level_months),
                   center.locale_of(reader))


def post_notes(session: Session, center: Center, platforms: Platforms, month: Month) -> Iterator[Note]:
    """The public posts alone, for every channel set up."""
    channels = platforms.channels()
    if channels:
        yield from _posts(center, month_end(session=session, center=center, month=month), channels)


def _posts(center: Center, end: MonthEnd, channels: list[Channel]) -> Iterator[Note]:
    """The public post in each channel, in the center's language, and the chart of its places
    (drawn once for them all)."""
    month, locale, top = end.board.month, center.settings.locale, end.board.top
    chart = None
    for channel in channels:
        yield Note(f"month-end:{month}:{channel.id}", channel, "leaderboard_post",
                   dict(b=end.board, places=top, teams=end.teams), locale)
        chart = chart or bar_chart(str(month), [(f"{p.rank}  {p.key.agent.employee_id}", p.value,
                                                 _shown(p.value, end.board.metric)) for p in top])
        yield Note(f"month-end:{month}:{channel.id}:chart", channel, "leaderboard_chart", dict(month=str(month)),
                   locale, file=Attachment(f"{month}.png", chart))


def _shown(value: float, metric: str) -> str:
    """A value as the chart shows it: numbers only, the same in every language."""
    return f"{value:.1f}%" if metric == "attainment" else f"{value:,.0f}"
