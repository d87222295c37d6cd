"""Import daily stats, or call detail records summed by the center's local day. A file with any
bad row changes nothing; the same file twice changes nothing the second time."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, select

from bot.config.center import Center
from bot.sources.bulk import BULK_FROM, plain_cdr_days
from bot.sources.cells import (
    parse_date,
    parse_minutes,
    parse_moment,
    parse_seconds,
    parse_whole,
)
from bot.sources.rows import EMPLOYEE_ID, ImportReport, Progress, RowCheck
from bot.sources.tables import (
    Column,
    FileProblem,
    Table,
    cell,
    column_names,
    read_table,
)
from bot.store.models import Agent, DailyStat, utcnow

# Each column's names besides its own: the Chinese of the documents and of CTI exports, and the
# English of CTI APIs (matched ignoring case, spaces, _ and -: "Agent ID" is agent_id).
DAILY = (
    Column("date", ("日期", "统计日期", "业务日期", "day", "stat date", "report date"), True),
    EMPLOYEE_ID,
    Column("calls", ("通话次数", "通次", "呼叫次数", "外呼次数", "呼出次数", "通话量", "call count", "total calls"), True),
    Column("talk_minutes", ("通话时长", "通时", "通话分钟", "通话时长(分钟)", "通话时长(分)", "总通话时长",
                            "通话总时长", "talk minutes", "talk time (min)")),
    Column("talk_seconds", ("通话秒数", "通话时长(秒)", "总通话秒数", "talk seconds", "talk time (s)")),  # or minutes
    Column("members", ("发展会员", "会员数", "发展会员数")),
    Column("leads_assigned", ("分配数据", "分配数据量", "数据量")),
    Column("leads_contacted", ("接触量", "已接触", "接触数据量")),
)
CDR = (
    EMPLOYEE_ID,
    Column("started_at", ("开始时间", "通话开始时间", "呼叫时间", "呼叫开始时间", "start time", "call start",
                          "calldate", "started"), True),
    Column("talk_seconds", ("通话秒数", "通话时长(秒)", "通话时长", "talk seconds", "talk time", "billsec"), True),
    Column("call_id", ("通话ID", "呼叫ID", "通话编号", "话单编号", "话单ID", "流水号", "call id", "uniqueid",
                       "call uuid")),
)
FORMATS = {"daily": DAILY, "cdr": CDR}
TALK = ("talk_minutes", "talk_seconds")  # a day's talk time: one of these
MINUTES_A_DAY = 24 * 60
MOST_A_DAY = 100_000  # calls, members or leads in one day: more is a broken export


def columns_of(fmt: str, names: dict[str, str] | None = None) -> tuple[Column, ...]:
    """The format's columns. A field given a name in `names` (KPIBOT_STATS_FIELDS) is known by that
    name alone; the others by their English and Chinese names."""
    names = names or {}
    return tuple(Column(c.field, (names[c.field],), c.required) if c.field in names else c
                 for c in FORMATS[fmt])


def import_stats(*, session: Session, center: Center, path: str | Path, fmt: str = "daily",
                 today: date, progress: Progress | None = None, skip_bad: bool = False,
                 name: str | None = None, bulk_from: int = BULK_FROM) -> ImportReport:
    """Upsert daily stats from a daily file, or from call detail records summed by local day. One
    bad row and nothing is written, unless `skip_bad` (see import_table). Call records in a CSV
    file of `bulk_from` bytes or more are summed in bulk when every row is plain."""
    path = Path(path)
    columns = columns_of(fmt, center.settings.stats.field_names)
    if fmt == "cdr" and path.is_file() and path.stat().st_size >= bulk_from:
        report = _import_plain_cdr(session, path, columns, today)
        if report is not None:
            return report
    table = read_table(path, columns)
    return import_table(session=session, center=center, table=table, name=name or path.name, fmt=fmt,
                        today=today, progress=progress, skip_bad=skip_bad)


def import_table(*, session: Session, center: Center, table: Table, name: str, fmt: str, today: date,
                 progress: Progress | None = None, skip_bad: bool = False) -> ImportReport:
    """Upsert the table's days. A bad row stops the import (ImportRejected) or, with `skip_bad`,
    is left out and listed in the report's `skipped`."""
    if fmt == "daily" and not any(t in table.columns for t in TALK):
        raise FileProblem("import.missing_columns", file=name,
                          columns=column_names([c for c in DAILY if c.field in TALK], " / "))
    rows = RowCheck(table, progress)
    agents = {a.employee_id: a for a in session.exec(select(Agent)).all()}
    check = _daily_rows if fmt == "daily" else _cdr_rows
    days = check(rows, agents, center, today)
    if not skip_bad:
        rows.raise_if_bad(name)
    report = ImportReport(fmt, read=len(table.rows), ignored=table.ignored, skipped=rows.bad_rows(),
                          unit=table.unit)
    _upsert_days(session, days, report)
    session.commit()
    return report


def _import_plain_cdr(session: Session, path: Path, columns: tuple[Column, ...], today: date
                      ) -> ImportReport | None:
    """The import of a file of plain call records, summed in bulk; None, with nothing done, for a
    file with any other row."""
    agents = {a.employee_id: a for a in session.exec(select(Agent)).all()}
    plain = plain_cdr_days(path, columns, agents, today, most=MINUTES_A_DAY * 60)
    if plain is None:
        return None
    report = ImportReport("cdr", read=plain.read, ignored=plain.ignored)
    _upsert_days(session, plain.days, report)
    session.commit()
    return report


def _known_agent(rows: RowCheck, line: int, agents: dict[str, Agent], employee_id: str | None
                 ) -> Agent | None:
    """The row's agent; None (and the row marked bad) for an ID not on the roster, or no ID."""
    agent = agents.get(employee_id) if employee_id is not None else None
    if agent is None and employee_id is not None:
        rows.reject(line, "unknown_employee", value=employee_id)
    return agent


def _check_day(rows: RowCheck, line: int, agent: Agent, day: date, today: date) -> None:
    if day > today:
        rows.reject(line, "future", value=day.isoformat())
    elif day < agent.hire_date:
        rows.reject(line, "before_hire", value=day.isoformat(), hire_date=agent.hire_date.isoformat())


def _daily_rows(rows: RowCheck, agents: dict[str, Agent], center: Center, today: date) -> dict:
    def count(value, column):
        return parse_whole(value, column, MOST_A_DAY)

    parsers = {
        "date": parse_date, "employee_id": lambda v, c: str(v).strip(),
        "calls": count, "talk_minutes": lambda v, c: parse_minutes(v, c, MINUTES_A_DAY) * 60,
        "talk_seconds": lambda v, c: parse_seconds(v, c, MINUTES_A_DAY * 60),
        "members": count, "leads_assigned": count, "leads_contacted": count,
    }
    talk = next(t for t in TALK if t in rows.table.columns)
    parsers.pop(TALK[1 - TALK.index(talk)])
    days: dict[tuple[int, date], dict[str, Any]] = {}
    for line, cells in rows.each():
        values = rows.read(line, cells, parsers, ("date", "employee_id", "calls", talk))
        agent = _known_agent(rows, line, agents, values["employee_id"])
        if agent is None or values["date"] is None:
            continue
        _check_day(rows, line, agent, values["date"], today)
        assigned, contacted = values["leads_assigned"], values["leads_contacted"]
        if assigned is not None and contacted is not None and contacted > assigned:
            rows.reject(line, "contacted_over_assigned", contacted=contacted, assigned=assigned)
        key = (agent.id, values["date"])
        if rows.is_first(line, key, "duplicate") and not rows.is_bad(line):
            days[key] = {"calls": values["calls"], "talk_seconds": round(values[talk])}
            days[key].update({k: values[k] for k in ("members", "leads_assigned", "leads_contacted")
                              if k in rows.table.columns})
    return days


def _cdr_rows(rows: RowCheck, agents: dict[str, Agent], center: Center, today: date) -> dict:
    parsers = {
        "employee_id": lambda v, c: str(v).strip(),
        "started_at": lambda v, c: parse_moment(v, c, center.tz),
        "talk_seconds": lambda v, c: parse_seconds(v, c, MINUTES_A_DAY * 60),
    }
    days: dict[tuple[int, date], dict[str, Any]] = {}
    for line, cells in rows.each():
        values = rows.read(line, cells, parsers, tuple(parsers))
        agent, started = _known_agent(rows, line, agents, values["employee_id"]), values["started_at"]
        if agent is None or started is None:
            continue
        _check_day(rows, line, agent, started.date(), today)
        call = cell(rows.table, cells, "call_id")
        seen = rows.is_first(line, ("call", str(call)), "duplicate_call_id", value=call) if call is not None \
            else rows.is_first(line, (agent.id, started), "duplicate_call")
        if not seen or rows.is_bad(line):
            continue
        day = days.setdefault((agent.id, started.date()), {"calls": 0, "talk_seconds": 0})
        if day["talk_seconds"] + values["talk_seconds"] > MINUTES_A_DAY * 60:
            rows.reject(line, "day_over_24h", employee_id=agent.employee_id, day=started.date().isoformat())
            continue
        day["calls"] += 1
        day["talk_seconds"] += values["talk_seconds"]
    return days


def _upsert_days(session: Session, days: dict[tuple[int, date], dict[str, Any]],
                 report: ImportReport) -> None:
    """Insert new days, update changed ones, and count the unchanged."""
    if not days:
        return
    existing = _existing_days(session, days)
    new, changed, now = [], [], utcnow()
    for (agent_id, day), values in days.items():
        row = existing.get((agent_id, day))
        if row is None:
            new.append({"agent_id": agent_id, "day": day, "updated_at": now, **values})
        elif any(row[k] != v for k, v in values.items()):
            changed.append({"id": row["id"], "updated_at": now, **values})
        else:
            report.unchanged += 1
    if new:  # into the table itself: the ORM's bulk insert takes half as long again
        session.execute(insert(DailyStat.__table__), new)
    if changed:
        session.execute(update(DailyStat), changed)
    report.added, report.updated = len(new), len(changed)


def _existing_days(session: Session, days: dict[tuple[int, date], Any]) -> dict[tuple[int, date], dict]:
    """The stored rows for the file's agents and dates, as plain mappings."""
    agent_ids = {a for a, _ in days}
    first, last = min(d for _, d in days), max(d for _, d in days)
    rows = session.execute(
        select(DailyStat.id, DailyStat.agent_id, DailyStat.day, DailyStat.calls, DailyStat.talk_seconds,
               DailyStat.members, DailyStat.leads_assigned, DailyStat.leads_contacted)
        .where(DailyStat.agent_id.in_(agent_ids), DailyStat.day >= first, DailyStat.day <= last)
    ).mappings().all()
    return {(r["agent_id"], r["day"]): r for r in rows}
