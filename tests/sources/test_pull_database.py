"""The stats pull from a database (KPIBOT_STATS_SOURCE a SQLAlchemy URL, KPIBOT_STATS_QUERY the
SQL): the call-center system's own tables, on SQLite and on PostgreSQL. A query with :date runs
for the last working day and today; bad rows are left out with their reasons; a query the
database refuses is reported at once, a database that is not there after its tries."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from factories import add_agent
from files import stored_days

AT = "2026-11-24T07:00:00Z"  # Tuesday 24 November 2026, 15:00 in Shanghai
DAILY_QUERY = ("SELECT agent_no AS 工号, stat_day AS 日期, calls AS 通话次数, talk_sec AS 通话秒数 "
               "FROM {table} WHERE stat_day = :date ORDER BY agent_no, calls")
ROWS = [("A001", "2026-11-23", 61, 9000), ("A002", "2026-11-23", 48, 7260),
        ("A001", "2026-11-24", 30, 4000), ("A002", "2026-11-24", 22, 3000),
        ("A001", "2026-11-20", 70, 9999)]  # last Friday: not asked for



@pytest.fixture
def roster(engine):
    with Session(engine) as session:
        for employee_id in ("A001", "A002"):
            add_agent(session, employee_id, hire_date=date(2024, 3, 1))


class CtiDatabase:
    """The call-center system's database, with a table of daily totals of its own naming."""

    def __init__(self, url: str):
        self.url, self.table = url, f"agent_daily_{uuid.uuid4().hex[:8]}"
        self.engine = create_engine(url)
        with self.engine.begin() as connection:
            connection.execute(text(f"CREATE TABLE {self.table} (agent_no VARCHAR(20), stat_day DATE, "
                                    "calls INTEGER, talk_sec INTEGER)"))
        self.add(ROWS)

    def add(self, rows) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(f"INSERT INTO {self.table} VALUES (:a, :d, :c, :t)"),
                               [{"a": a, "d": date.fromisoformat(d), "c": c, "t": t} for a, d, c, t in rows])

    def execute(self, sql: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(sql.format(table=self.table)))

    def close(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {self.table}"))
        self.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def cti(request, tmp_path) -> Iterator[CtiDatabase]:
    url = f"sqlite:///{tmp_path / 'cti.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    database = CtiDatabase(url)
    yield database
    database.close()


@pytest.fixture
def kpibot(kpibot, cti):
    kpibot.at = AT
    kpibot.env(KPIBOT_STATS_SOURCE=cti.url, KPIBOT_STATS_QUERY=DAILY_QUERY.format(table=cti.table))
    return kpibot


def shown(cti: CtiDatabase) -> str:
    return create_engine(cti.url).url.render_as_string(hide_password=True)


def test_the_query_runs_for_the_last_working_day_and_today_and_again_changes_nothing(kpibot, roster, cti, engine):
    assert kpibot("jobs", "run", "pull") == (0, (
        f"{shown(cti)} (2026-11-23): read 2 rows: 2 added, 0 updated.\n"
        f"{shown(cti)} (2026-11-24): read 2 rows: 2 added, 0 updated.\n"), "")
    assert stored_days(engine) == {("A001", "2026-11-23"): (61, 9000), ("A002", "2026-11-23"): (48, 7260),
                             ("A001", "2026-11-24"): (30, 4000), ("A002", "2026-11-24"): (22, 3000)}

    assert kpibot("jobs", "run", "pull", at="2026-11-24T07:30:00Z")[1] == (
        f"{shown(cti)} (2026-11-23): imported before.\n{shown(cti)} (2026-11-24): imported before.\n")

    cti.execute("UPDATE {table} SET calls = 35, talk_sec = 4600 WHERE agent_no = 'A001' AND calls = 30")
    assert kpibot("jobs", "run", "pull", at="2026-11-24T08:00:00Z")[1].splitlines()[1] == (
        f"{shown(cti)} (2026-11-24): read 2 rows: 0 added, 1 updated.")
    assert stored_days(engine)[("A001", "2026-11-24")] == (35, 4600)


def test_bad_rows_are_left_out_with_their_reasons(kpibot, roster, cti, engine):
    cti.add([("Z999", "2026-11-24", 10, 600), ("A002", "2026-11-24", -2, 100)])
    code, out, _ = kpibot("jobs", "run", "pull")
    assert code == 0
    assert out.splitlines()[1:] == [
        f"{shown(cti)} (2026-11-24): read 4 rows: 1 added, 0 updated; 3 bad rows left out:",
        "  row 2: 通话次数 '-2' is not a whole number of 0 or more",
        "  row 3: the same employee and date as row 2",
        "  row 4: employee Z999 is not on the roster (import the roster first: kpibot roster import FILE)",
    ]
    assert stored_days(engine)[("A001", "2026-11-24")] == (30, 4000)
    assert ("A002", "2026-11-24") not in stored_days(engine)


def test_call_records_with_moments_in_utc_are_summed_by_the_centers_day(kpibot, roster, cti, engine):
    cti.execute("CREATE TABLE {table}_cdr (call_uuid VARCHAR(40), agent VARCHAR(20), started TIMESTAMP, "
                "billsec INTEGER)")
    with cti.engine.begin() as connection:
        connection.execute(text(f"INSERT INTO {cti.table}_cdr VALUES (:u, :a, :s, :b)"), [
            {"u": "u1", "a": "A001", "s": datetime(2026, 11, 23, 16, 30), "b": 100},  # 00:30 on the 24th
            {"u": "u2", "a": "A001", "s": datetime(2026, 11, 24, 1, 0), "b": 200},
            {"u": "u3", "a": "A002", "s": datetime(2026, 11, 24, 2, 0), "b": 50},
        ])
    query = (f"SELECT call_uuid AS 通话ID, agent AS 工号, started AS 开始时间, billsec AS 通话秒数 "
             f"FROM {cti.table}_cdr")  # the server keeps UTC: a query says so by its moments' offset
    try:
        code, out, _ = kpibot("jobs", "run", "pull", KPIBOT_STATS_FORMAT="cdr", KPIBOT_STATS_QUERY=query,
                              KPIBOT_TZ="UTC")
        assert (code, out) == (0, f"{shown(cti)}: read 3 rows: 3 added, 0 updated.\n")
        assert stored_days(engine) == {("A001", "2026-11-23"): (1, 100), ("A001", "2026-11-24"): (1, 200),
                                 ("A002", "2026-11-24"): (1, 50)}
    finally:
        cti.execute("DROP TABLE {table}_cdr")


def test_a_query_the_database_refuses_is_reported_at_once(kpibot, roster, cti, engine):
    code, out, _ = kpibot("jobs", "run", "pull", KPIBOT_STATS_QUERY="SELECT * FROM no_such_table WHERE d = :date")
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{shown(cti)} (2026-11-23): not imported: the database refused the query (")
    assert first.endswith("): check KPIBOT_STATS_QUERY")
    assert "no_such_table" in first
    assert stored_days(engine) == {}


def test_a_database_that_is_not_there_is_tried_again_then_reported(kpibot, roster, engine):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://kpibot:secret@127.0.0.1:{port}/cti"
    code, out, _ = kpibot("jobs", "run", "pull", KPIBOT_STATS_SOURCE=url, KPIBOT_STATS_QUERY="SELECT 1")
    assert code == 1
    assert out.startswith(f"postgresql+psycopg://kpibot:***@127.0.0.1:{port}/cti: not imported: could not reach "
                          "the database (")
    assert out.endswith(") in 3 tries; the numbers already in stay as they were\n")
    assert "secret" not in out


def test_a_database_source_needs_its_query(kpibot, cti):
    assert kpibot("jobs", "run", "pull", KPIBOT_STATS_QUERY=None) == (1, "", (
        "KPIBOT_STATS_QUERY is not set: a database source needs the SQL that selects the stats, such as SELECT "
        "agent_no AS employee_id, … WHERE day = :date (docs/sources.md).\n"))


