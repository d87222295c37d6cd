"""The stats pull: import what the call-center system exports, from a folder it drops files
into or from a URL with {date}. A file is imported when its content differs from its last
pull; one that cannot be imported is recorded with the reason (and its bad lines), and is not
tried again until it changes."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config.center import Center
from bot.sources.rows import ImportRejected
from bot.sources.stats import import_stats
from bot.sources.tables import FileProblem
from bot.store.models import StatsPull
from messages.render import describe, render

log = logging.getLogger("kpibot.pull")
SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class Pulled:
    row: StatsPull  # this pull's record, or the last one when the content has not changed
    new: bool  # False: the same content as at its last pull, so nothing was done

    @property
    def failed(self) -> bool:
        """Not imported: fetched or read in vain now, or unchanged since it was."""
        return self.row.error is not None


def pull(*, center: Center, engine: Engine, today: date) -> list[Pulled]:
    """Import every new or changed file from KPIBOT_STATS_SOURCE."""
    stats = center.settings.stats
    source = stats.source
    if not source:
        return []
    if stats.is_url:
        days = sorted({center.calendar.previous_working_day(today), today})
        pulled = [_pull_url(center, engine, source.replace("{date}", d.isoformat()), today) for d in days]
    else:
        files = sorted(p for p in Path(source).iterdir() if p.suffix.lower() in SUFFIXES)
        pulled = [_pull_file(center, engine, path, path.name, today) for path in files]
    for p in pulled:
        if p.new:
            log.info("pulled %s: %s", p.row.name, p.row.error or f"{p.row.rows} rows, {p.row.added} added, "
                                                                 f"{p.row.updated} updated")
    return pulled


def _pull_url(center: Center, engine: Engine, url: str, today: date) -> Pulled:
    try:
        with urlopen(url, timeout=60) as response:
            data = response.read()
    except (URLError, OSError) as err:
        return _record(engine, StatsPull(name=url[:300], sha256="", error=str(err)[:500]))
    suffix = ".xlsx" if data[:4] == b"PK\x03\x04" else ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(url.split("?")[0]).stem + suffix)
        path.write_bytes(data)
        return _pull_file(center, engine, path, url, today)


def _pull_file(center: Center, engine: Engine, path: Path, name: str, today: date) -> Pulled:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with Session(engine) as session:
        last = session.exec(select(StatsPull).where(StatsPull.name == name[:300])
                            .order_by(StatsPull.id.desc())).first()
        if last is not None and last.sha256 == digest:
            return Pulled(last, False)
        row = StatsPull(name=name[:300], sha256=digest)
        try:
            report = import_stats(session=session, center=center, path=path, fmt=center.settings.stats.format,
                                  today=today)
            row.rows, row.added, row.updated = report.read, report.added, report.updated
        except ImportRejected as rejected:
            session.rollback()
            row.error = render("import_rejected", center.settings.locale, problem=rejected).strip()[:500]
        except FileProblem as problem:
            session.rollback()
            row.error = describe(problem, center.settings.locale)[:500]
    return _record(engine, row)


def _record(engine: Engine, row: StatsPull) -> Pulled:
    with Session(engine) as session:
        session.add(row)
        session.commit()
        session.refresh(row)
        return Pulled(row, True)
