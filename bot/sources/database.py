"""A database source: KPIBOT_STATS_QUERY run against KPIBOT_STATS_SOURCE, any SQLAlchemy URL (the
call-center system's own database, a reporting replica, a view made for kpibot). A query with
:date runs once for each day pulled, with that day; one without runs once. A database that
cannot be reached is tried again after a wait; a query it refuses is reported at once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from bot.config.settings import StatsSource
from bot.sources.batches import Batch, SourceError, Unreached, with_retries
from bot.sources.records import rows_table


class DatabaseSource:
    def __init__(self, stats: StatsSource):
        self.stats = stats

    def batches(self, days: list[date]) -> Iterator[Batch | Unreached]:
        url = self._shown_url()
        runs = [(f"{url} ({d.isoformat()})", {"date": d.isoformat()}) for d in days] if ":date" in self.stats.query \
            else [(url, {})]
        try:
            engine = create_engine(self.stats.source, **self._connect_args())
        except (ArgumentError, NoSuchModuleError, ImportError) as err:
            yield Unreached(url, SourceError("pull.refused.database_url", reason=_first_line(err)))
            return
        try:
            for name, params in runs:
                try:
                    keys, rows = with_retries(lambda params=params: self._run(engine, params))
                except SourceError as err:
                    yield Unreached(name, err)
                    continue
                digest = hashlib.sha256(repr((keys, rows)).encode()).hexdigest()
                yield Batch(name, digest,
                            read=lambda columns, n=name, k=keys, r=rows: rows_table(n, k, r, columns) if r else None)
        finally:
            engine.dispose()

    def _run(self, engine, params: dict) -> tuple[list[str], list[tuple]]:
        try:
            with engine.connect() as connection:
                result = connection.execute(text(self.stats.query), params)
                return list(result.keys()), [tuple(r) for r in result]
        except OperationalError as err:
            if err.connection_invalidated or _is_unreachable(err):
                raise SourceError("pull.down.database", reason=_first_line(err.orig)) from None
            raise SourceError("pull.refused.query", reason=_first_line(err.orig)) from None
        except (DBAPIError, SQLAlchemyError) as err:
            raise SourceError("pull.refused.query", reason=_first_line(getattr(err, "orig", err))) from None

    def _connect_args(self) -> dict:
        if make_url(self.stats.source).get_backend_name() == "postgresql":
            return {"connect_args": {"connect_timeout": int(self.stats.timeout)}}
        return {}

    def _shown_url(self) -> str:
        try:
            return make_url(self.stats.source).render_as_string(hide_password=True)
        except ArgumentError:
            return self.stats.source


def _is_unreachable(err: OperationalError) -> bool:
    """A server that is not there (or not yet), as against a query it cannot run."""
    words = str(err.orig).lower()
    return any(w in words for w in ("connection", "could not connect", "timeout", "timed out", "server closed",
                                    "database is locked", "unable to open database"))


def _first_line(err: object) -> str:
    return str(err).strip().splitlines()[0][:300] if str(err).strip() else type(err).__name__
