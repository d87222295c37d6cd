"""Call detail records summed in bulk, for a large CSV file whose every row is plain: written so
that the row-by-row check (stats._cdr_rows) would certainly take it as it stands, with the same
values. DuckDB reads the file, checks each row and sums the days in one query. A file with any
other row, or one DuckDB cannot read as the row-by-row check would, gives None: that check then
reads it, and names each bad row and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from bot.sources.tables import (
    Column,
    CsvHead,
    FileProblem,
    Table,
    is_utf8,
    read_csv_head,
    table_of,
)
from bot.store.models import Agent

BULK_FROM = 1_000_000  # bytes: a smaller file is checked row by row, which is quick enough
READ_BUFFER = 4 << 20  # bytes DuckDB reads at a time: less than its default, for a lower peak of memory

# A plain started_at is YYYY-MM-DD HH:MM:SS (or with a T), naive, so in the center's time zone.
_DAY = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = "[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
# A plain call ID is one that str.strip() leaves as it is: no space or control character at its ends.
_STRIPPED = r"[^\s\pZ\pC](.*[^\s\pZ\pC])?"
_GLOB = set("*?[]{}")  # DuckDB would read a path with these as a pattern, perhaps of other files


@dataclass(frozen=True)
class PlainDays:
    days: dict[tuple[int, date], dict[str, int]]  # (agent id, day) -> calls and talk_seconds
    read: int  # rows under the header, every one of them a call
    ignored: list[str]  # headers that name no known column


def plain_cdr_days(path: Path, columns: tuple[Column, ...], agents: dict[str, Agent], today: date,
                   most: int) -> PlainDays | None:
    """The days of a CSV file of call records whose every row is plain, each call at most `most`
    seconds long and each agent's day too; None for any other file."""
    path = path.resolve()
    if _GLOB & set(str(path)):
        return None
    head = read_csv_head(path, columns)
    if head is None or not is_utf8(path):  # DuckDB checks only the cells it reads
        return None
    try:
        table = table_of(path.name, head.header, [], columns)
        found = _sum_days(path, head, table, _roster(agents), today, most)
    except (FileProblem, duckdb.Error):
        return None
    if not found or not all(plain for *_, plain in found):
        return None
    days = {(agent_id, day): {"calls": calls, "talk_seconds": int(talk)}
            for agent_id, day, calls, talk, _ in found}
    return PlainDays(days, sum(d["calls"] for d in days.values()), table.ignored)


def _roster(agents: dict[str, Agent]) -> list[list[Any]]:
    """Employee IDs, agent IDs and hire dates, as columns. An ID that is blank or has spaces at
    its ends can never be matched by a plain cell, so it is left out."""
    known = [a for e, a in agents.items() if e and e == e.strip()]
    return [[a.employee_id for a in known], [a.id for a in known], [a.hire_date for a in known]]


def _sum_days(path: Path, head: CsvHead, table: Table, roster: list[list[Any]], today: date,
              most: int) -> list[tuple]:
    """(agent id, day, calls, talk seconds, plain) for each employee ID and day in the file."""
    with duckdb.connect(config={"preserve_insertion_order": False}) as db:
        db.execute("create table roster as select unnest($1::varchar[]) as employee_id, "
                   "unnest($2::bigint[]) as agent_id, unnest($3::date[]) as hire_date", roster)
        return db.execute(_query(head, table), {"path": str(path), "today": today, "most": most}).fetchall()


def _query(head: CsvHead, table: Table) -> str:
    """Each employee ID and day's calls; a day is plain when its calls are, its employee ID is on
    the roster, the day is a date from the agent's hire date to today, and no call in the file
    has another's key."""
    cell = {field: f"c{index}" for field, index in table.columns.items()}
    employee, started, talk, call = (cell.get(f) for f in ("employee_id", "started_at", "talk_seconds", "call_id"))
    key = call or f"{employee}, left({started}, 10), substr({started}, 12)"  # as stats._cdr_rows keys a call
    plain = " and ".join([f"regexp_full_match(substr({started}, 11), '{_TIME}')",
                          f"regexp_full_match({talk}, '[0-9]+')", f"try_cast({talk} as integer) is not null",
                          *([f"regexp_full_match({call}, '{_STRIPPED}')"] if call else [])])
    types = ", ".join(f"'c{n}': 'VARCHAR'" for n in range(table.width))
    calls = (f"read_csv($path, columns = {{{types}}}, header = false, skip = {head.skip}, "
             f"delim = '{head.delimiter}', quote = '\"', escape = '\"', auto_detect = false, strict_mode = true, "
             f"null_padding = false, encoding = 'utf-8', buffer_size = {READ_BUFFER})")
    return f"""
    with days as (
        select {employee} as employee_id, left({started}, 10) as day, count(*) as calls,
               sum(try_cast({talk} as integer)) as talk, bool_and(coalesce({plain}, false)) as plain
        from {calls} group by 1, 2
    ), repeats as (  -- keys are told apart by their hashes: two alike in hash count as a repeat
        select count(*) - count(distinct hash({key})) as calls from {calls}
    )
    select r.agent_id, try_strptime(d.day, '%Y-%m-%d')::date as day, d.calls, d.talk,
           coalesce(d.plain and repeats.calls = 0 and r.agent_id is not null and regexp_full_match(d.day, '{_DAY}')
                    and try_strptime(d.day, '%Y-%m-%d')::date between r.hire_date and $today
                    and d.talk <= $most, false) as plain
    from days d cross join repeats left join roster r on r.employee_id = d.employee_id
    """
