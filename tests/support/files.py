"""Import files for tests, written as people make them: CSV from Excel or a script, and XLSX.

Also `database_rows`, the whole database as plain values, to show that a rejected import wrote
nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session, select

from bot.store.models import Agent, DailyStat, LedgerEntry, Team, TeamLead

Rows = Sequence[Sequence[Any]]


def csv_bytes(rows: Rows, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """`rows` (the header first) as CSV in `encoding`: utf-8, utf-8-sig (with BOM) or gb18030."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(
        ["" if value is None else value for value in row] for row in rows)
    return out.getvalue().encode(encoding)


def write_csv(path: Path, rows: Rows, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    path.write_bytes(csv_bytes(rows, encoding, delimiter))
    return path


def write_xlsx(path: Path, rows: Rows) -> Path:
    """`rows` on the first sheet; dates, datetimes and numbers become real typed cells."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def stored_days(engine) -> dict[tuple[str, str], tuple[int, int]]:
    """Every stored day: (employee ID, YYYY-MM-DD) -> (calls, talk seconds)."""
    with Session(engine) as session:
        rows = session.exec(select(Agent.employee_id, DailyStat.day, DailyStat.calls, DailyStat.talk_seconds)
                            .join(Agent, Agent.id == DailyStat.agent_id)).all()
    return {(e, d.isoformat()): (c, s) for e, d, c, s in rows}


def database_rows(session: Session) -> dict[str, list[tuple]]:
    """Every committed row of every table the imports touch, in primary-key order.

    Read through a session of its own, so what `session` holds but has not committed is not seen.
    """
    tables = {"team": Team, "agent": Agent, "team_lead": TeamLead, "daily_stat": DailyStat,
              "ledger_entry": LedgerEntry}
    dumped = {}
    with Session(session.get_bind()) as fresh:
        for name, model in tables.items():
            table = model.__table__
            rows = fresh.exec(select(*table.columns).order_by(*table.primary_key.columns)).all()
            dumped[name] = [tuple(row) for row in rows]
    return dumped
