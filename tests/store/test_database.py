"""The schema comes from the migrations, on SQLite and PostgreSQL; the ledger is append-only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, SQLModel, select

from bot.store.models import Agent

from bot.store.db import SchemaError, _alembic_config, ensure_schema, is_current, make_engine, normalise_url, upgrade
from bot.store.models import DailyStat, LedgerEntry, Revision, StatsPull
from bot.store import queries
from bot.store.queries import last_pulled
from database_params import SQLITE_ONLY
from factories import add_agent, add_day, add_entry
from scoring.calendar import Month
from scoring.problems import Problem

TABLES = {"agent", "team", "team_lead", "daily_stat", "ledger_entry", "delivery", "job_run", "stats_pull",
          "access_token", "seen_message", "revision", "alembic_version"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    _leave_empty(engine)


def _leave_empty(engine) -> None:
    """Leave the shared PostgreSQL database empty for the next test; drop a SQLite engine's pool."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in TABLES:
                connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
            connection.execute(text("DROP FUNCTION IF EXISTS ledger_entry_append_only() CASCADE"))
            connection.execute(text("DROP FUNCTION IF EXISTS bump_revision() CASCADE"))
    engine.dispose()


def test_migrations_make_exactly_the_models_schema(migrated):
    assert set(inspect(migrated).get_table_names()) == TABLES
    with migrated.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    assert is_current(migrated)


def test_the_ledger_refuses_update_and_delete(migrated):
    with Session(migrated) as session:
        entry = add_entry(session, add_agent(session, "A001"), date(2026, 11, 3), -2, code="late")
        for statement in (f"UPDATE ledger_entry SET points = 0 WHERE id = {entry.id}",
                          f"DELETE FROM ledger_entry WHERE id = {entry.id}"):
            with pytest.raises(SQLAlchemyError, match="append-only"):
                session.execute(text(statement))
            session.rollback()
        assert session.exec(select(LedgerEntry.points)).all() == [-2]


def test_an_entry_can_be_revoked_only_once(migrated):
    with Session(migrated) as session:
        agent = add_agent(session, "A001")
        entry = add_entry(session, agent, date(2026, 11, 3), -2, code="late")
        add_entry(session, agent, date(2026, 11, 4), 0, revokes=entry)
        with pytest.raises(IntegrityError):
            add_entry(session, agent, date(2026, 11, 4), 0, revokes=entry)


def test_one_row_per_agent_and_day(migrated):
    with Session(migrated) as session:
        agent = add_agent(session, "A001")
        session.add(DailyStat(agent_id=agent.id, day=date(2026, 11, 3), calls=1, talk_seconds=60))
        session.commit()
        session.add(DailyStat(agent_id=agent.id, day=date(2026, 11, 3), calls=2, talk_seconds=60))
        with pytest.raises(IntegrityError):
            session.commit()


def test_every_change_to_what_rankings_read_counts_once_a_statement_or_more(migrated):
    """Imports, commands and hand-written SQL alike; an agent's Slack details do not count."""
    with Session(migrated) as session:
        def counts() -> dict[str, int]:
            session.commit()
            return dict(session.exec(select(Revision.name, Revision.n)).all())

        before = counts()
        agent = add_agent(session, "A001")
        assert counts()["agent"] > before["agent"]
        for change, table in [
            (lambda: add_day(session, agent, date(2026, 11, 3), 50, 120), "daily_stat"),
            (lambda: session.execute(text("UPDATE daily_stat SET calls = 51")), "daily_stat"),
            (lambda: session.execute(text("DELETE FROM daily_stat")), "daily_stat"),
            (lambda: add_entry(session, agent, date(2026, 11, 3), -2, code="late"), "ledger_entry"),
            (lambda: session.execute(text("UPDATE agent SET leave_date = '2026-11-30'")), "agent"),
            (lambda: session.execute(text("UPDATE agent SET slack_dm_channel = 'D1'")), None),
        ]:
            before = counts()
            change()
            after = counts()
            assert {k for k in after if after[k] != before[k]} == ({table} if table else set())


def test_the_last_pull_is_the_newest_that_imported_whatever_the_sessions_zone(migrated):
    quarter_past = datetime(2026, 11, 4, 7, 15, tzinfo=UTC)
    with Session(migrated) as session:
        assert last_pulled(session=session) is None
        shanghai = timezone(timedelta(hours=8))
        session.add_all([
            StatsPull(name="a.csv", sha256="1", pulled_at=quarter_past - timedelta(hours=5)),
            StatsPull(name="b.csv", sha256="2", pulled_at=quarter_past.astimezone(shanghai)),
            StatsPull(name="c.csv", sha256="", error="unreachable", pulled_at=quarter_past + timedelta(minutes=30)),
        ])
        session.commit()
    with Session(migrated) as session:
        if migrated.dialect.name == "postgresql":
            session.execute(text("SET TIME ZONE 'America/New_York'"))
        found = last_pulled(session=session)
    assert found == quarter_past and found.utcoffset() is not None


def test_sqlite_upgrades_itself_but_postgresql_asks_first(tmp_path, pg_url):
    sqlite = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    ensure_schema(sqlite)
    assert is_current(sqlite)
    with pytest.raises(SchemaError):
        ensure_schema(make_engine(pg_url))


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_plain_postgres_urls_use_psycopg_3(url, expected):
    assert normalise_url(url) == expected


MIGRATIONS = len(list((Path(__file__).parents[2] / "migrations" / "versions").glob("0*.py")))


@SQLITE_ONLY  # a SQLite file path
@pytest.mark.parametrize(("locale", "applied", "current"), [
    ("en", f"Applied {MIGRATIONS} migrations (0001 … {MIGRATIONS:04}) to the database sqlite:///{{path}}.\n",
     "The database sqlite:///{path} was already up to date: no migration to apply.\n"),
    ("zh-CN", f"已对数据库 sqlite:///{{path}} 执行 {MIGRATIONS} 个迁移（0001 … {MIGRATIONS:04}）。\n",
     "数据库 sqlite:///{path} 已是最新，无需迁移。\n"),
])
def test_db_upgrade_says_which_migrations_it_applied(kpibot, tmp_path, locale, applied, current):
    path = tmp_path / "new.db"
    kpibot.env(DATABASE_URL=f"sqlite:///{path}")
    assert kpibot("db", "upgrade", locale=locale) == (0, applied.format(path=path), "")
    assert kpibot("db", "upgrade", locale=locale) == (0, current.format(path=path), "")


def test_upgrade_returns_only_the_migrations_still_pending(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")

    assert upgrade(engine) == [f"{n:04}" for n in range(4, MIGRATIONS + 1)]
    assert upgrade(engine) == []


# --- 0007 on a database in use: the agent table is rebuilt under rows that refer to it ------------

AT = "'2026-11-03 01:00:00'"
ROWS_AT_0006 = [  # plain SQL of the schema at 0006, so later models cannot change what it writes
    "INSERT INTO team (id, name) VALUES (1, '一组'), (2, '二组')",
    "INSERT INTO agent (id, employee_id, name, team_id, role, hire_date, leave_date, slack_user_id, "
    "slack_dm_channel, email, active) VALUES "
    "(1, 'A001', '王芳', 1, 'agent', '2024-03-01', NULL, 'U001', 'D001', 'wangfang@example.com', TRUE), "
    "(2, 'A002', '陈静', 2, 'agent', '2025-07-01', '2026-10-31', NULL, NULL, NULL, FALSE), "
    "(3, 'L001', '张伟', 1, 'lead', '2019-05-20', NULL, 'U101', NULL, NULL, TRUE), "
    "(4, 'M001', '孙丽', 2, 'manager', '2018-08-01', NULL, 'U900', NULL, 'sunli@example.com', TRUE)",
    "INSERT INTO team_lead (agent_id, team_id) VALUES (3, 1), (3, 2)",
    "INSERT INTO daily_stat (id, agent_id, day, calls, talk_seconds, members, leads_assigned, leads_contacted, "
    f"updated_at) VALUES (1, 1, '2026-11-02', 62, 9090, 30, 100, 65, {AT}), "
    f"(2, 2, '2026-10-30', 40, 5700, NULL, NULL, NULL, {AT})",
    "INSERT INTO ledger_entry (id, agent_id, day, points, code, reason, author_id, created_at, revokes_id) VALUES "
    f"(1, 1, '2026-11-02', -2, 'late', '', 3, {AT}, NULL), (2, 1, '2026-11-02', 0, 'late', '', 4, {AT}, 1), "
    f"(3, 2, '2026-10-12', 1, 'call', 'a thank-you call', 3, {AT}, NULL)",
    "INSERT INTO delivery (id, key, recipient, platform, payload, status, attempts, created_at, sent_at) VALUES "
    f"(1, 'morning:2026-11-03:A001', 'A001', 'slack', '{{}}', 'sent', 1, {AT}, {AT}), "
    f"(2, 'digest:2026-11-03:L001', 'L001', 'slack', '{{}}', 'pending', 0, {AT}, NULL)",
    "INSERT INTO job_run (id, job, period, status, started_at, heartbeat_at) VALUES "
    f"(1, 'morning', '2026-11-03', 'done', {AT}, {AT})",
    "INSERT INTO stats_pull (id, name, sha256, rows, added, updated, pulled_at) VALUES "
    f"(1, '2026-11-02.csv', 'abc', 2, 2, 0, {AT})",
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def in_use_at_0006(request, tmp_path):
    """A database at revision 0006 holding teams, agents, leads, stats, ledger entries (one revoked),
    deliveries, a job run and a pull."""
    url = f"sqlite:///{tmp_path / 'old.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    with engine.begin() as connection:
        for statement in ROWS_AT_0006:
            connection.execute(text(statement))
    yield engine
    _leave_empty(engine)


AT_0006 = TABLES - {"alembic_version", "access_token", "seen_message", "revision"}


def everything(engine, tables=AT_0006) -> dict[str, list[tuple]]:
    """Every row of every table 0006 has, and every foreign key, as plain values."""
    inspector = inspect(engine)
    with engine.connect() as connection:
        rows = {t: [tuple(r) for r in connection.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
                for t in sorted(tables)}
    keys = {t: sorted((tuple(k["constrained_columns"]), k["referred_table"], tuple(k["referred_columns"]))
                      for k in inspector.get_foreign_keys(t)) for t in sorted(tables)}
    return {"rows": rows, "foreign keys": keys}


def test_0007_keeps_every_row_and_every_foreign_key_of_a_database_in_use(in_use_at_0006):
    engine = in_use_at_0006
    before = everything(engine)
    assert sum(len(rows) for rows in before["rows"].values()) == 17

    assert upgrade(engine) == [f"{n:04}" for n in range(7, MIGRATIONS + 1)]

    after = everything(engine)
    pulls = after["rows"]["stats_pull"]
    assert [p[-3:] for p in pulls] == [(0, None, None)]  # 0009: a pull's skipped rows and problem, none
    after["rows"]["stats_pull"] = [p[:-3] for p in pulls]
    entries = after["rows"]["ledger_entry"]
    assert {e[-3:] for e in entries} == {(False, None, None)}  # 0012: none pending, none an act
    after["rows"]["ledger_entry"] = [e[:-3] for e in entries]
    after["foreign keys"]["ledger_entry"].remove((("refers_id",), "ledger_entry", ("id",)))
    assert after == before
    assert is_current(engine)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_after_0007_foreign_keys_uniques_and_the_append_only_ledger_still_hold(in_use_at_0006):
    engine = in_use_at_0006
    upgrade(engine)

    refused = [  # each must fail on its own: a dangling agent, a repeated employee ID, a ledger change
        "INSERT INTO daily_stat (agent_id, day, calls, talk_seconds, updated_at) "
        f"VALUES (99, '2026-11-03', 1, 60, {AT})",
        "INSERT INTO ledger_entry (agent_id, day, points, reason, created_at) VALUES (99, '2026-11-03', 1, '', "
        f"{AT})",
        "INSERT INTO agent (employee_id, name, team_id, role, hire_date, active) "
        "VALUES ('A001', 'again', 1, 'agent', '2024-03-01', TRUE)",
        "INSERT INTO agent (employee_id, name, team_id, role, hire_date, active) "
        "VALUES ('A009', 'nowhere', 99, 'agent', '2024-03-01', TRUE)",
    ]
    for statement in refused:
        with engine.connect() as connection, pytest.raises(IntegrityError):
            connection.execute(text(statement))
    for statement in ("UPDATE ledger_entry SET points = 0 WHERE id = 1", "DELETE FROM ledger_entry WHERE id = 3"):
        with engine.connect() as connection, pytest.raises(SQLAlchemyError, match="append-only"):
            connection.execute(text(statement))
    with Session(engine) as session:  # and a manager may now have no team
        session.add(Agent(id=5, employee_id="M002", name="周杰", team_id=None, role="manager", hire_date=date(2020, 1, 1)))
        session.commit()
        assert session.exec(select(Agent.team_id).where(Agent.employee_id == "M002")).one() is None
        assert session.exec(select(LedgerEntry.id).order_by(LedgerEntry.id)).all() == [1, 2, 3]


def test_sqlite_foreign_keys_are_on_again_after_an_upgrade(in_use_at_0006):
    engine = in_use_at_0006
    if engine.dialect.name != "sqlite":
        pytest.skip("a pragma of SQLite")
    upgrade(engine)

    with engine.connect() as connection:  # the pooled connection the migrations ran on
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_rows_that_refer_to_nothing_are_named_after_an_upgrade(tmp_path):
    """Written with foreign keys off (sqlite3's own default), a dangling row survives the copy; the
    upgrade names its table rather than pass over it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        for statement in ROWS_AT_0006[:2] + ["INSERT INTO daily_stat (agent_id, day, calls, talk_seconds, "
                                             f"updated_at) VALUES (99, '2026-11-02', 1, 60, {AT})"]:
            connection.execute(text(statement))
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    engine.dispose()
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")

    with pytest.raises(Problem) as problem:
        upgrade(engine)

    assert (problem.value.code, problem.value.fields) == (
        "cli.broken_references", {"url": f"sqlite:///{tmp_path / 'old.db'}", "tables": "daily_stat"})
    assert is_current(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_one_agents_month_is_read_through_the_agent_and_day_indexes_on_sqlite(tmp_path):
    """SQLite keeps no statistics unless asked: the plan must not depend on them."""
    engine = make_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    upgrade(engine)
    month, read = Month(2026, 11), {}

    def keep(_connection, _cursor, sql, params, *_):
        read.setdefault(sql.split("FROM ")[1].split()[0], (sql, params))

    with Session(engine) as session:
        agent_id = add_agent(session, "A001").id
        event.listen(engine, "before_cursor_execute", keep)
        queries.ledger_entries(session=session, month=month, agent_id=agent_id)
        queries.month_totals(session=session, start=month.first, end=month.last, agent_id=agent_id)
        event.remove(engine, "before_cursor_execute", keep)
    with engine.connect() as connection:
        plans = {table: " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
                 for table, (sql, params) in read.items()}
    assert "USING INDEX ix_ledger_entry_agent_id_day (agent_id=? AND day>? AND day<?)" in plans["ledger_entry"]
    assert "USING INDEX sqlite_autoindex_daily_stat_1 (agent_id=? AND day>? AND day<?)" in plans["daily_stat"]
    engine.dispose()
