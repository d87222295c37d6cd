"""The stats pull: take in what the call-center system has now, from the source the settings
name (a drop folder, an http(s) URL or a database), without anyone running an import.

Each batch (a file, an API's answer for a day, a query's rows) is imported as a pull does: a
bad row is left out with its reason and the rest lands, so one unknown agent never holds up
everyone's numbers (a hand import stays all or nothing). A batch whose content is the same as
at its last pull is not imported again; a day's numbers are replaced by the newest pull, never
added to. Every batch leaves a StatsPull row: what was imported, what was left out and why, or
why the source gave nothing, in which case the numbers already in stay as they were."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config.center import Center
from bot.sources.batches import Batch, Source, Unreached
from bot.sources.cells import CellError
from bot.sources.database import DatabaseSource
from bot.sources.folder import DropFolder
from bot.sources.rows import BadRow, ImportReport
from bot.sources.stats import columns_of, import_stats, import_table
from bot.sources.tables import FileProblem
from bot.sources.web import WebSource
from bot.store.models import StatsPull
from messages.render import describe
from scoring.problems import Problem

log = logging.getLogger("kpibot.pull")
KEPT_ROWS = 20  # skipped rows kept with a pull, to show; the count is of them all


@dataclass(frozen=True)
class Pulled:
    row: StatsPull  # this pull's record, or the last one when the content has not changed
    new: bool  # False: the same content as at its last pull, so nothing was done

    @property
    def failed(self) -> bool:
        """Nothing imported: the source gave nothing, or what it gave could not be read."""
        return self.row.error is not None

    @cached_property
    def skipped(self) -> Skipped:
        return skipped_rows(self.row)


def pull(*, center: Center, engine: Engine, today: date) -> list[Pulled]:
    """Import what is new at KPIBOT_STATS_SOURCE: for a source asked by date, the last working
    day (late calls, corrections) and today."""
    source = _source(center)
    if source is None:
        return []
    days = sorted({center.calendar.previous_working_day(today), today})
    pulled = [_take(center, engine, batch, today) for batch in source.batches(days)]
    for p in pulled:
        if p.new:
            log.info("pulled %s: %s", p.row.name, p.row.error or f"{p.row.rows} rows, {p.row.added} added, "
                     f"{p.row.updated} updated, {p.row.skipped} skipped")
    return pulled


def _source(center: Center) -> Source | None:
    stats = center.settings.stats
    kinds = {"folder": lambda: DropFolder(stats.source), "http": lambda: WebSource(stats),
             "database": lambda: DatabaseSource(stats)}
    return kinds[stats.kind]() if stats.kind else None


def _take(center: Center, engine: Engine, batch: Batch | Unreached, today: date) -> Pulled:
    locale = center.settings.locale
    if isinstance(batch, Unreached):
        return _record(engine, _failed(StatsPull(name=batch.name[:300], sha256=""), batch.error, locale))
    last = _last(engine, batch.name)
    if last is not None and last.sha256 == batch.digest:
        batch.settle(last.error is None)
        return Pulled(last, False)
    row = StatsPull(name=batch.name[:300], sha256=batch.digest)
    with Session(engine) as session:
        try:
            report = _import(session, center, batch, today)
        except FileProblem as problem:
            session.rollback()
            _failed(row, problem, locale)
        else:
            row.rows, row.added, row.updated = report.read, report.added, report.updated
            row.skipped, row.skipped_rows = len(report.skipped), _kept(report.unit, report.skipped)
    pulled = _record(engine, row)
    batch.settle(row.error is None)
    return pulled


def _import(session: Session, center: Center, batch: Batch, today: date) -> ImportReport:
    stats = center.settings.stats
    if batch.path is not None:
        return import_stats(session=session, center=center, path=batch.path, fmt=stats.format, today=today,
                            skip_bad=True, name=batch.name)
    table = batch.read(columns_of(stats.format, stats.field_names))
    if table is None:  # no records yet
        return ImportReport(stats.format)
    return import_table(session=session, center=center, table=table, name=batch.name, fmt=stats.format,
                        today=today, skip_bad=True)


def _failed(row: StatsPull, problem: Problem, locale: str) -> StatsPull:
    """`row` saying why nothing was imported: in words, and as the problem, for other languages."""
    row.error = describe(problem, locale)[:500]
    row.problem = json.dumps({"code": problem.code, "fields": problem.fields}, ensure_ascii=False, default=str)
    return row


def _last(engine: Engine, name: str) -> StatsPull | None:
    with Session(engine) as session:
        return session.exec(select(StatsPull).where(StatsPull.name == name[:300])
                            .order_by(StatsPull.id.desc())).first()


def _record(engine: Engine, row: StatsPull) -> Pulled:
    with Session(engine) as session:
        session.add(row)
        session.commit()
        session.refresh(row)
        return Pulled(row, True)


@dataclass(frozen=True)
class Skipped:
    unit: str  # line, record or row
    rows: list[BadRow]  # the first KEPT_ROWS of them


def _kept(unit: str, rows: list[BadRow]) -> str | None:
    if not rows:
        return None
    kept = [[r.line, [[p.code, p.fields] for p in r.problems]] for r in rows[:KEPT_ROWS]]
    return json.dumps({"unit": unit, "rows": kept}, ensure_ascii=False, default=str)


def skipped_rows(row: StatsPull) -> Skipped:
    """The first of the rows a pull left out, each with its reasons."""
    kept = json.loads(row.skipped_rows) if row.skipped_rows else {"unit": "line", "rows": []}
    return Skipped(kept["unit"], [BadRow(line, [CellError(code, **fields) for code, fields in problems])
                                  for line, problems in kept["rows"]])
