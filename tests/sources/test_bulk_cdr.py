"""Call records summed in bulk (bot/sources/bulk.py), held against the row-by-row check, which is
the authority on what a row means. Every file is imported twice, each time into a fresh
database: in bulk when it can be (`bulk_from=0`), and row by row. A file whose every row is plain
must be summed in bulk, to the same days and the same report; a file with one row that is not
must be declined by the bulk sum, and imported, or rejected, exactly as row by row.

The fresh databases are SQLite files, several an example, quick to copy: the sums are DuckDB's
whatever the database, and both ways store them with the same upsert (stats._upsert_days), which
the stats import tests run on PostgreSQL too."""

from __future__ import annotations

import shutil
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from factories import add_agent, add_day
from files import csv_bytes, write_xlsx
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.config.center import open_center
from bot.config.settings import Settings
from bot.sources.bulk import plain_cdr_days
from bot.sources.rows import ImportRejected
from bot.sources.stats import CDR, MINUTES_A_DAY, import_stats
from bot.sources.tables import FileProblem
from bot.store.db import make_engine
from bot.store.models import Agent, DailyStat

TODAY = date(2026, 11, 22)
HIRED = {"A001": date(2020, 1, 1), "A002": date(2026, 11, 9), "B17": date(2026, 11, 16)}
BULK, ROW_BY_ROW = 0, 10**12  # bulk_from: in bulk whenever the file is plain, or never
HEADERS = {
    "en": {"employee_id": "employee_id", "started_at": "started_at", "talk_seconds": "talk_seconds",
           "call_id": "call_id", "note": "note"},
    "zh": {"employee_id": "工号", "started_at": "开始时间", "talk_seconds": "通话时长（秒）",
           "call_id": "通话ID", "note": "备注"},
}


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    return open_center(Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('center') / 'unused.db'}"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bulk")


@contextmanager
def fresh_database(template: Path, folder: Path, stored=()):
    """A session on a migrated database of its own holding the agents of HIRED and the `stored`
    days (employee ID, day, calls, minutes)."""
    path = folder / f"{uuid.uuid4().hex}.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            agents = {e: add_agent(session, e, hire_date=hired) for e, hired in HIRED.items()}
            for employee_id, day, calls, minutes in stored:
                add_day(session, agents[employee_id], day, calls, minutes)
            yield session
    finally:
        engine.dispose()
        path.unlink()


def outcome(template: Path, folder: Path, center, path: Path, bulk_from: int, stored=()):
    """What importing `path` does to a fresh database: the report or the refusal, and the days."""
    with fresh_database(template, folder, stored) as session:
        try:
            done = import_stats(session=session, center=center, path=path, fmt="cdr", today=TODAY,
                                bulk_from=bulk_from)
        except ImportRejected as rejected:
            done = (rejected.fields, [(row.line, [(p.code, p.fields) for p in row.problems])
                                      for row in rejected.rows])
        except FileProblem as problem:
            done = (problem.code, problem.fields)
        session.rollback()
        ids = {a.id: a.employee_id for a in session.exec(select(Agent))}
        days = {(ids[s.agent_id], s.day): (s.calls, s.talk_seconds, s.members)
                for s in session.exec(select(DailyStat))}
        return done, days


def summed_in_bulk(template: Path, folder: Path, path: Path, columns=CDR):
    with fresh_database(template, folder) as session:
        agents = {a.employee_id: a for a in session.exec(select(Agent))}
        return plain_cdr_days(path, columns, agents, TODAY, most=MINUTES_A_DAY * 60)


def cdr_file(folder: Path, calls: list[dict], *, lang: str = "zh", order=("employee_id", "started_at", "talk_seconds"),
             title: bool = False, encoding: str = "utf-8", delimiter: str = ",", newline: str = "\r\n") -> Path:
    """The calls under a header naming `order` in `lang`, as bytes a program or Excel writes."""
    rows = [[HEADERS[lang][f] for f in order]] + [[call.get(f, "") for f in order] for call in calls]
    if title:  # as call-center exports do: a title, a blank line, then the header
        rows = [["2026年11月通话明细"], [], *rows]
    path = folder / f"calls-{uuid.uuid4().hex[:8]}.csv"
    path.write_bytes(csv_bytes(rows, encoding, delimiter).replace(b"\r\n", newline.encode()))
    return path


def call(employee_id="A001", started_at="2026-11-20 09:00:00", talk_seconds="60", **more) -> dict:
    return {"employee_id": employee_id, "started_at": started_at, "talk_seconds": talk_seconds, **more}


BASE = [call("A001", "2026-11-20 09:00:00", "120", call_id="C1", note="回访"),
        call("A001", "2026-11-20 09:05:00", "45", call_id="C2", note=""),
        call("A002", "2026-11-20 10:00:00", "300", call_id="C3", note="转接, 客户挂断"),
        call("B17", "2026-11-16 08:00:00", "0", call_id="C4", note="")]
FULL = ("call_id", "employee_id", "started_at", "talk_seconds", "note")


# --- files whose every row is plain ---------------------------------------------------------------


SECONDS = st.integers(0, 24 * 3600 - 1)


@st.composite
def plain_calls(draw) -> list[dict]:
    """Calls of the agents in HIRED between their hire date and TODAY, no two at the same moment,
    each day's talk within 24 hours."""
    keys = draw(st.lists(st.tuples(st.sampled_from(sorted(HIRED)), st.integers(0, 30), SECONDS),
                         min_size=1, max_size=25))
    calls = []
    for n, (employee_id, back, second) in enumerate(keys):
        day = max(TODAY - timedelta(days=back), HIRED[employee_id])
        at = f"{day} {second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        calls.append(call(employee_id, at.replace(" ", draw(st.sampled_from(" T")), 1),
                          draw(st.integers(0, 3000).map(str) | st.sampled_from(["007", "86400"])),
                          call_id=f"{draw(st.sampled_from(['C', 'call-', '1700000000.']))}{n}",
                          note=draw(st.text(max_size=8))))
    return _within_a_day(_unique_moments(calls))


def _within_a_day(calls: list[dict]) -> list[dict]:
    """The calls, each one that would take its agent's day past 24 hours left out."""
    total, kept = {}, []
    for c in calls:
        key = (c["employee_id"], c["started_at"][:10])
        if total.get(key, 0) + int(c["talk_seconds"]) <= 24 * 3600:
            total[key] = total.get(key, 0) + int(c["talk_seconds"])
            kept.append(c)
    return kept


def _unique_moments(calls: list[dict]) -> list[dict]:
    seen, kept = set(), []
    for c in calls:
        moment = (c["employee_id"], c["started_at"].replace("T", " "))
        if moment not in seen:
            seen.add(moment)
            kept.append(c)
    return kept


LAYOUT = {
    "lang": st.sampled_from(["en", "zh"]),
    "order": st.permutations(FULL).map(tuple) | st.just(("employee_id", "started_at", "talk_seconds")),
    "title": st.booleans(),
    "encoding": st.sampled_from(["utf-8", "utf-8-sig"]),
    "delimiter": st.sampled_from([",", "\t"]),
    "newline": st.sampled_from(["\r\n", "\n"]),
}
STORED = st.lists(st.tuples(st.sampled_from(["A001", "A002"]), st.sampled_from([date(2026, 11, 20), date(2026, 11, 21)]),
                            st.integers(0, 3), st.sampled_from([0, 1, 2.25])), max_size=4, unique_by=lambda s: s[:2])


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=plain_calls(), layout=st.fixed_dictionaries(LAYOUT), stored=STORED)
def test_a_plain_file_is_summed_in_bulk_to_what_row_by_row_makes_of_it(_migrated_sqlite, folder, center,
                                                                      calls, layout, stored):
    assume(not (layout["title"] and layout["delimiter"] == "\t"))  # a title alone on line 1 says commas
    path = cdr_file(folder, calls, **layout)

    assert summed_in_bulk(_migrated_sqlite, folder, path) is not None
    in_bulk = outcome(_migrated_sqlite, folder, center, path, BULK, stored)
    assert in_bulk == outcome(_migrated_sqlite, folder, center, path, ROW_BY_ROW, stored)
    assert in_bulk[0].read == len(calls)


def test_the_same_file_twice_changes_nothing_the_second_time(_migrated_sqlite, folder, center):
    path = cdr_file(folder, BASE, order=FULL)
    reports = []
    for bulk_from in (BULK, ROW_BY_ROW):
        with fresh_database(_migrated_sqlite, folder) as session:
            for _ in range(2):
                reports.append(import_stats(session=session, center=center, path=path, fmt="cdr", today=TODAY,
                                            bulk_from=bulk_from))

    ignored = [HEADERS["zh"][f] for f in FULL if f not in {c.field for c in CDR}]
    assert [(r.read, r.added, r.updated, r.unchanged, r.ignored) for r in reports] == [
        (4, 3, 0, 0, ignored), (4, 0, 0, 3, ignored)] * 2


# --- files with one row that is not plain ----------------------------------------------------------


NOT_PLAIN = {  # a variation on BASE's second call: what the row-by-row check makes of it differs
    "unknown employee": call("Z999", "2026-11-20 09:05:00", "45"),
    "employee ID with a space": call(" A001", "2026-11-20 09:05:00", "45"),
    "talk as H:MM:SS": call("A001", "2026-11-20 09:05:00", "0:03:15"),
    "talk with decimals": call("A001", "2026-11-20 09:05:00", "45.0"),
    "talk with a sign": call("A001", "2026-11-20 09:05:00", "+45"),
    "talk too long": call("A001", "2026-11-20 09:05:00", "86401"),
    "talk of many digits": call("A001", "2026-11-20 09:05:00", "99999999999"),
    "talk empty": call("A001", "2026-11-20 09:05:00", ""),
    "day over 24 hours": call("A001", "2026-11-20 09:05:00", "86300"),
    "moment with +08:00": call("A001", "2026-11-20T09:05:00+08:00", "45"),
    "moment in UTC": call("A001", "2026-11-19T17:30:00Z", "45"),
    "moment with slashes": call("A001", "2026/11/20 09:05:00", "45"),
    "moment without seconds": call("A001", "2026-11-20 09:05", "45"),
    "moment with fractions": call("A001", "2026-11-20 09:05:00.5", "45"),
    "no such date": call("A001", "2026-02-30 09:05:00", "45"),
    "hour 24": call("A001", "2026-11-20 24:00:00", "45"),
    "future day": call("A001", "2026-11-23 09:05:00", "45"),
    "before hire": call("A002", "2026-11-08 23:59:00", "45"),
    "same agent and moment": call("A001", "2026-11-20 09:00:00", "45"),
    "same moment written with a T": call("A001", "2026-11-20T09:00:00", "45"),
}


@pytest.mark.parametrize("row", NOT_PLAIN.values(), ids=NOT_PLAIN)
def test_a_file_with_a_row_that_is_not_plain_is_imported_row_by_row(_migrated_sqlite, folder, center, row):
    path = cdr_file(folder, [BASE[0], row, *BASE[2:]])

    assert summed_in_bulk(_migrated_sqlite, folder, path) is None
    assert outcome(_migrated_sqlite, folder, center, path, BULK) == outcome(
        _migrated_sqlite, folder, center, path, ROW_BY_ROW)


def _write(folder: Path, data: bytes) -> Path:
    path = folder / f"calls-{uuid.uuid4().hex[:8]}.csv"
    path.write_bytes(data)
    return path


def _calls(seconds: range, talk: int = 1) -> str:
    """A001's calls of 20 November, one at each of `seconds` after midnight."""
    return "".join(f"A001,2026-11-20 {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d},{talk},\r\n" for s in seconds)


HEADER = "employee_id,started_at,talk_seconds,note\r\n"
ROWS = "A001,2026-11-20 09:00:00,120,\r\nA002,2026-11-20 10:00:00,300,\r\n"
NOT_PLAIN_FILES = {  # files the bulk sum cannot read as the row-by-row check does
    "GB18030": "工号,开始时间,通话时长\r\nA001,2026-11-20 09:00:00,120\r\n".encode("gb18030"),
    "GB18030 past the first 64 KiB": (HEADER + _calls(range(3000))).encode() + "A002,2026-11-20 10:00:00,5,回访\r\n".encode("gb18030"),
    "a cell past the header": (HEADER + ROWS + "A001,2026-11-21 09:00:00,5,,7\r\n").encode(),
    "a row short of cells": (HEADER + ROWS + "A001,2026-11-21 09:00:00\r\n").encode(),
    "a row of empty cells": (HEADER + ROWS + ",,,\r\n").encode(),
    "a row of spaces": (HEADER + ROWS + "   \r\n").encode(),
    "a header spanning lines": ('employee_id,started_at,talk_seconds,"no\nte"\r\n' + ROWS).encode(),
    "a header past the first 64 KiB": ("title\r\n" + "x" * 70_000 + "\r\n" + HEADER + ROWS).encode(),
    "no header": ROWS.encode(),
    "nothing under the header": HEADER.encode(),
    "a workbook named .csv": b"PK\x03\x04" + ROWS.encode(),
}


@pytest.mark.parametrize("data", NOT_PLAIN_FILES.values(), ids=NOT_PLAIN_FILES)
def test_a_file_bulk_cannot_read_as_row_by_row_does_is_imported_row_by_row(_migrated_sqlite, folder, center, data):
    path = _write(folder, data)

    assert summed_in_bulk(_migrated_sqlite, folder, path) is None
    assert outcome(_migrated_sqlite, folder, center, path, BULK) == outcome(
        _migrated_sqlite, folder, center, path, ROW_BY_ROW)


ZH_HEADER = "通话ID,工号,开始时间,通话时长（秒）,备注\r\n"
PLAIN_FILES = {  # files read alike in bulk and row by row
    "Chinese headers": (ZH_HEADER + "C1,A001,2026-11-20 09:00:00,120,回访\r\nC2,B17,2026-11-16T08:00:00,0,\r\n").encode(),
    "a title and a blank line above the header": ("2026年11月通话明细\r\n\r\n" + ZH_HEADER
                                                  + "C1,A001,2026-11-20 09:00:00,120,\r\n").encode(),
    "a blank line between rows": (HEADER + ROWS + "\r\n" + ROWS.replace(":00,", ":30,")).encode(),
    "a note over two lines": (HEADER + 'A001,2026-11-20 09:00:00,120,"one\r\ntwo"\r\n' + ROWS[31:]).encode(),
    "a trailing comma": b"employee_id,started_at,talk_seconds\r\nA001,2026-11-20 09:00:00,120,\r\n",
    "tabs": (HEADER + ROWS).replace(",", "\t").encode(),
    "a BOM": b"\xef\xbb\xbf" + (HEADER + ROWS).encode(),
    "no newline at the end": (HEADER + ROWS).rstrip("\r\n").encode(),
    "leading zeros": (HEADER + "A001,2026-11-20 09:00:00,000120,\r\n").encode(),
    "larger than the first 64 KiB": (HEADER + _calls(range(0, 86400, 20))).encode(),
}


@pytest.mark.parametrize("data", PLAIN_FILES.values(), ids=PLAIN_FILES)
def test_a_plain_file_of_any_shape_is_summed_in_bulk(_migrated_sqlite, folder, center, data):
    path = _write(folder, data)

    assert summed_in_bulk(_migrated_sqlite, folder, path) is not None
    assert outcome(_migrated_sqlite, folder, center, path, BULK) == outcome(
        _migrated_sqlite, folder, center, path, ROW_BY_ROW)


def test_a_call_id_is_what_must_not_repeat_when_the_file_has_one(_migrated_sqlite, folder, center):
    calls = [call("A001", "2026-11-20 09:00:00", "120", call_id="C1"),
             call("A001", "2026-11-20 09:00:00", "60", call_id="C2"),  # another call at the same moment
             call("A002", "2026-11-20 10:00:00", "300", call_id="C3")]
    distinct, repeated, blank, spaced = (cdr_file(folder, calls[:2] + [calls[2] | {"call_id": c}], order=FULL[:4])
                                         for c in ("C3", "C1", "", "C3 "))

    assert summed_in_bulk(_migrated_sqlite, folder, distinct).days[
        (1, date(2026, 11, 20))] == {"calls": 2, "talk_seconds": 180}
    assert [summed_in_bulk(_migrated_sqlite, folder, p) for p in (repeated, blank, spaced)] == [None] * 3
    for path in (distinct, repeated, blank, spaced):
        assert outcome(_migrated_sqlite, folder, center, path, BULK) == outcome(
            _migrated_sqlite, folder, center, path, ROW_BY_ROW)


def test_an_employee_id_saved_with_a_space_at_its_end_is_never_matched_in_bulk(_migrated_sqlite, folder):
    # The row-by-row check strips a cell before it looks the ID up: "B9 " in a file is B9, no one.
    path = _write(folder, (HEADER + "B9 ,2026-11-20 09:00:00,60,\r\n").encode())
    with fresh_database(_migrated_sqlite, folder) as session:
        add_agent(session, "B9 ")
        agents = {a.employee_id: a for a in session.exec(select(Agent))}

        assert plain_cdr_days(path, CDR, agents, TODAY, most=MINUTES_A_DAY * 60) is None


def test_a_file_whose_name_reads_as_a_pattern_is_not_summed_in_bulk(_migrated_sqlite, tmp_path):
    # DuckDB would take calls*.csv for every file whose name begins with calls.
    pattern, other = tmp_path / "calls*.csv", tmp_path / "calls-other.csv"
    pattern.write_bytes((HEADER + ROWS).encode())
    other.write_bytes((HEADER + ROWS.replace(":00,", ":30,")).encode())

    assert summed_in_bulk(_migrated_sqlite, tmp_path, pattern) is None
    assert summed_in_bulk(_migrated_sqlite, tmp_path, other).read == 2


def test_a_workbook_is_never_summed_in_bulk(_migrated_sqlite, folder):
    path = write_xlsx(folder / "calls.xlsx", [list(HEADERS["en"].values())[:3], ["A001", "2026-11-20 09:00:00", "60"]])

    assert summed_in_bulk(_migrated_sqlite, folder, path) is None


# --- any file, against the authority ---------------------------------------------------------------


ODD = {  # cells as exports and people write them, plain or not
    "employee_id": ["A001", "A002", "B17", "Z999", " A001", "a001", "A001 ", "", "A\u3000001"],
    "started_at": ["2026-11-20 09:00:00", "2026-11-20T09:00:00", "2026-11-20 09:00:01", "2026-11-08 23:59:59",
                   "2026-11-16 00:00:00", "2026-11-20T01:00:00+08:00", "2026-11-19T17:30:00Z", "2026/11/20 09:00:00",
                   "2026-11-20 9:00:00", "2026-11-20 09:00", "2026-11-23 00:00:00", "2026-11-22 23:59:59",
                   "2026-13-01 09:00:00", "", " 2026-11-20 09:00:02", "２０２６-11-20 09:00:00"],
    "talk_seconds": ["0", "60", "007", "86400", "43200", "86401", "0:03:15", "3:15", "60.0", "+60", "-3", "1,200",
                     "1e3", "", " 60", "٣", "１２", "99999999999"],
    "call_id": ["C1", "C2", "C3", "C4", "", "C1 ", "c1"],
}


@st.composite
def odd_calls(draw) -> list[dict]:
    return draw(st.lists(st.fixed_dictionaries({f: st.sampled_from(v) for f, v in ODD.items()}),
                         min_size=1, max_size=8))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=odd_calls(), lang=st.sampled_from(["en", "zh"]))
def test_any_file_is_imported_in_bulk_exactly_as_row_by_row(_migrated_sqlite, folder, center, calls, lang):
    path = cdr_file(folder, calls, lang=lang, order=FULL[:4])

    assert outcome(_migrated_sqlite, folder, center, path, BULK) == outcome(
        _migrated_sqlite, folder, center, path, ROW_BY_ROW)
