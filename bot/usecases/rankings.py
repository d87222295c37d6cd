"""Where one agent ranks in their month, without ranking everyone at every /mystats.

Ranking a month means working out every agent's month (20,000 agents: seconds). The values it
ranks by are kept, one set per database, month, day and metric, together with the revision
counts of the tables they come from (bot.store.models.Revision, bumped by the database's
triggers); a request whose counts are the ones kept reuses them, any change to those tables
ranks afresh (the ledger is among them only when the policy ranks by score). The asker's own
standing is always read afresh, and their place among the values kept is the place
month_standings gives them: standard competition ranking, one more than those ranked above.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config.center import Center
from bot.store import queries
from bot.usecases.standings import Standing, month_standings
from scoring.calendar import Month
from scoring.leaderboard import Place

KEPT = 8  # months and days kept a database: today's, this month's and a few looked back on


@dataclass(frozen=True)
class Ranking:
    """The values a month ranks by, as of a day, lowest first."""

    revisions: tuple[int, ...]
    values: list[float]

    def is_as_new_as(self, revisions: tuple[int, ...]) -> bool:
        """Made from what `revisions` say or later: the counts only ever go up."""
        return len(self.revisions) == len(revisions) and all(k >= r for k, r in zip(self.revisions, revisions))

    @property
    def ranked(self) -> int:
        return len(self.values)

    def place(self, standing: Standing) -> Place[Standing] | None:
        if standing.value is None:
            return None
        return Place(self.ranked - bisect_right(self.values, standing.value) + 1, standing, standing.value)


class Rankings:
    """The rankings of one database, shared by the threads that answer."""

    def __init__(self):
        self._kept: OrderedDict[tuple[Month, date, str], Ranking] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[tuple[Month, date, str], threading.Lock] = {}

    def of(self, session: Session, center: Center, month: Month, through: date) -> Ranking:
        """The ranking of `month` as of `through`; made once however many ask at the same time."""
        metric = center.policy.leaderboard_metric
        key, revisions = (month, through, metric), queries.revisions(session=session, tables=ranked_from(metric))
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            kept = self._kept.get(key)
            if kept is None or not kept.is_as_new_as(revisions):
                kept = _ranking(session, center, month, through, revisions)
            with self._lock:
                self._kept[key] = kept
                self._kept.move_to_end(key)
                while len(self._kept) > KEPT:
                    self._making.pop(self._kept.popitem(last=False)[0], None)
            return kept


def ranked_from(metric: str) -> tuple[str, ...]:
    """The tables a ranking by `metric` is read from: deductions and awards move the score alone."""
    return ("agent", "daily_stat", "ledger_entry") if metric == "score" else ("agent", "daily_stat")


# one Rankings an engine, so one a database and process, gone with its engine
_by_engine: WeakKeyDictionary[Engine, Rankings] = WeakKeyDictionary()
_by_engine_lock = threading.Lock()


def ranking(*, session: Session, center: Center, month: Month, through: date) -> Ranking:
    """The ranking of `month` as of `through` (at most the month's last day), in `session`'s database."""
    engine = session.get_bind()
    with _by_engine_lock:
        rankings = _by_engine.setdefault(engine, Rankings())
    return rankings.of(session, center, month, min(through, month.last))


def _ranking(session: Session, center: Center, month: Month, through: date, revisions: tuple[int, ...]) -> Ranking:
    """The revision counts are read before the standings: a change between the two makes the
    next request rank afresh, never keeps an old ranking under new counts."""
    standings = month_standings(session=session, center=center, month=month, through=through)
    return Ranking(revisions, sorted(p.value for p in standings.places))
