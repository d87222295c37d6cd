"""The stats pull: import what the call-center system exports, from a folder it drops files
into or from a URL with {date}. A file is known by its content, so it is imported once; a bad
one is recorded with the reason and not tried again until it changes."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.center import Center
from bot.imports import ImportRejected, import_stats
from bot.models import StatsPull
from bot.tables import FileProblem
from messages.render import describe

SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class Pulled:
    name: str
    row: StatsPull | None  # None when the file was imported before


def pull(*, center: Center, engine: Engine, today: date) -> list[Pulled]:
    """Import every new file from KPIBOT_STATS_SOURCE."""
    source = center.settings.stats_source
    if not source:
        return []
    if source.startswith(("http://", "https://")):
        days = sorted({center.calendar.previous_working_day(today), today})
        return [_pull_url(center, engine, source.replace("{date}", d.isoformat()), today) for d in days]
    files = sorted(p for p in Path(source).iterdir() if p.suffix.lower() in SUFFIXES)
    return [_pull_file(center, engine, path, path.name, today) for path in files]


def _pull_url(center: Center, engine: Engine, url: str, today: date) -> Pulled:
    name = url.rsplit("/", 1)[-1].split("?")[0] or "export.csv"
    try:
        with urlopen(url, timeout=60) as response:
            data = response.read()
    except (URLError, OSError) as err:
        return Pulled(url, StatsPull(name=url[:300], sha256="-", error=str(err)[:500]))
    suffix = ".xlsx" if data[:4] == b"PK\x03\x04" else ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(name).stem + suffix)
        path.write_bytes(data)
        return _pull_file(center, engine, path, url, today)


def _pull_file(center: Center, engine: Engine, path: Path, name: str, today: date) -> Pulled:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with Session(engine) as session:
        if session.exec(select(StatsPull).where(StatsPull.sha256 == digest)).first():
            return Pulled(name, None)
        row = StatsPull(name=name[:300], sha256=digest)
        try:
            report = import_stats(session=session, center=center, path=path, fmt=center.settings.stats_format,
                                  today=today)
            row.rows, row.added, row.updated = report.read, report.added, report.updated
        except (ImportRejected, FileProblem) as problem:
            session.rollback()
            row.error = describe(problem, center.settings.locale)[:500]
        session.add(row)
        session.commit()
        session.refresh(row)
        return Pulled(name, row)
