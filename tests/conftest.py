"""Shared fixtures: the seeds policy, the China calendar, real databases (SQLite, PostgreSQL), and
`kpibot`, the command line as an operator runs it."""

from __future__ import annotations

import io
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config.calendars import work_calendar
from bot.config.center import Center, open_center
from bot.store.db import make_engine, upgrade
from bot.config.policy import load_policy
from bot.config.settings import Settings
from bot.doors.cli import main

PG_SERVER = os.environ.get("KPIBOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def policy():
    return load_policy()


@pytest.fixture(scope="session")
def calendar(policy):
    return work_calendar(policy)


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> Path:
    """One SQLite file migrated to head; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "kpibot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> Iterator[str]:
    """A migrated, empty database of this test's own, on SQLite and on PostgreSQL: a copy of the
    migrated SQLite file, or the run's PostgreSQL database emptied after the test."""
    if request.param == "sqlite":
        path = tmp_path / "kpibot.db"
        shutil.copy(request.getfixturevalue("_migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    database: EmptiedDatabase = request.getfixturevalue("_emptied_pg")
    yield database.url
    database.empty()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def module_database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated, empty database that the tests of one module share, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("module") / "kpibot.db"
        shutil.copy(request.getfixturevalue("_migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    request.getfixturevalue("pg_admin")  # skips, or fails in CI, when the server is down
    database = OwnDatabase(request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")[:20])
    yield database.url
    database.drop()
    database.admin.dispose()


@pytest.fixture
def center(database_url) -> Center:
    return open_center(Settings(database_url=database_url))


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        yield session


def _pg_admin() -> Engine:
    """An engine on the server's maintenance database; skips (or fails, in CI) when it is down."""
    admin = make_engine(PG_SERVER).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            return admin
    except Exception as err:  # no server: skip here, fail in CI (.ci/run sets the variable)
        reason = (str(getattr(err, "orig", None) or err).strip() or type(err).__name__).splitlines()[0]
    if os.environ.get("KPIBOT_TEST_PG_REQUIRED"):
        pytest.fail(f"PostgreSQL is required but unreachable at {PG_SERVER}: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unreachable at {PG_SERVER}")


def _pg_database_url(name: str) -> str:
    return PG_SERVER.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    admin = _pg_admin()
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def pg_url(pg_admin):
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    name = f"kpibot_test_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield _pg_database_url(name)
    with pg_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


# The tables' revisions (bot.store.models.Revision) are kept, and moved on: a process's values
# kept for the last test's revisions are then never taken for the next one's.
BUMP = "UPDATE revision SET n = n + 1"


class EmptiedDatabase:
    """One migrated PostgreSQL database for a whole run (of each pytest-xdist process), emptied
    after every test, so that a test and the processes and engines it starts see only its rows.

    Measured per test: a new database made from a migrated template about 180 ms, one TRUNCATE
    of every table 50 to 250 ms (it makes new files for each table and index), a DELETE of every
    table with triggers off 5 to 20 ms. Triggers (the append-only ledger's, the foreign keys')
    can be turned off by a superuser only, as the test server's postgres is; any other user gets
    the TRUNCATE."""

    def __init__(self, admin: Engine):
        self.admin = admin
        self.name = f"kpibot_tests_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}" {_like_production(connection)}'))
            # A test database need not wait for the disk at each commit.
            connection.execute(text(f'ALTER DATABASE "{self.name}" SET synchronous_commit = off'))
        self.url = _pg_database_url(self.name)
        self.engine = make_engine(self.url)
        upgrade(self.engine)
        with self.engine.connect() as connection:
            tables = connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                             "AND tablename NOT IN ('alembic_version', 'revision') "
                                             "ORDER BY tablename")).all()
            superuser = connection.scalar(text("SELECT current_setting('is_superuser')")) == "on"
        self.emptying = "; ".join(
            ["SET LOCAL session_replication_role = replica",
             *(f"DELETE FROM {table}" for table in tables),
             "SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'", BUMP] if superuser else
            [f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE", BUMP])

    def empty(self) -> None:
        """Every table empty and every id counting from 1 again. The connections a test left open
        (an engine it never disposed, a thread that outlived it) are ended first; only one in the
        midst of a transaction, whose locks the DELETE would wait for, is waited for (waiting for
        an idle one to end takes about 100 ms)."""
        with self.engine.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(pid, CASE state WHEN 'idle' THEN 0 ELSE 10000 END) "
                                    "FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid()"))
            connection.exec_driver_sql(self.emptying)  # no parameters: psycopg sends it as one query

    def drop(self) -> None:
        self.engine.dispose()
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


def _like_production(connection) -> str:
    """Text ordered and compared as on a server set up for English (en-US), as production servers
    often are, rather than in the C order of a server set up without a locale, which is SQLite's
    too: an ORDER BY on text that differs between the two then shows here. Plain when the server
    has no ICU."""
    icu = connection.scalar(text("SELECT count(*) FROM pg_collation WHERE collname = 'en-US-x-icu'"))
    return "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'" if icu else ""


@pytest.fixture(scope="session")
def _emptied_pg(pg_admin) -> Iterator[EmptiedDatabase]:
    database = EmptiedDatabase(pg_admin)
    yield database
    database.drop()


class OwnDatabase:
    """A migrated PostgreSQL database of one test's own, dropped after it (or when it says)."""

    def __init__(self, prefix: str):
        self.name = f"kpibot_{prefix}_{uuid.uuid4().hex[:10]}"
        self.admin = make_engine(PG_SERVER).execution_options(isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = _pg_database_url(self.name)
        migrator = make_engine(self.url)
        upgrade(migrator)
        migrator.dispose()

    def drop(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


@pytest.fixture
def own_pg(pg_admin, request):
    """A migrated PostgreSQL database of this test's own, for a test that drops it or needs no other test near it."""
    database = OwnDatabase(request.node.name[:20].strip("_").lower())
    yield database
    database.drop()
    database.admin.dispose()


class Cli:
    """`kpibot ARGS` in this process: (exit code, stdout, stderr). A call may set variables for
    itself alone (`locale` for KPIBOT_LOCALE; NAME=None unsets one), freeze the clock `at` an
    instant (else at `self.at`), and give the lines typed in (`typed`)."""

    def __init__(self, monkeypatch, capsys):
        self.monkeypatch, self.capsys = monkeypatch, capsys
        self.at: str | None = None  # the instant every call runs at, unless it says otherwise
        self.tick = False  # a ticking clock, for calls that speak HTTP (which times out)

    def env(self, **values: str | None) -> None:
        """Set (or, with None, unset) variables for every call after this one."""
        for name, value in values.items():
            if value is None:
                self.monkeypatch.delenv(name, raising=False)
            else:
                self.monkeypatch.setenv(name, value)

    def __call__(self, *args: str, locale: str | None = None, at: str | None = None, typed: str | None = None,
                 **env: str | None) -> tuple[int, str, str]:
        values = {"KPIBOT_LOCALE": locale, **env} if locale else env
        before = {name: os.environ.get(name) for name in values}
        self.env(**values)
        if typed is not None:
            self.monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
        self.capsys.readouterr()
        try:
            with freeze_time(at or self.at, tick=self.tick) if (at or self.at) else nullcontext():
                code = main(list(args))
        finally:
            self.env(**before)
        out, err = self.capsys.readouterr()
        return code, out, err


@pytest.fixture
def kpibot(monkeypatch, tmp_path, database_url, capsys) -> Cli:
    """The command line on the test database, in an empty folder (no .env), with none of
    kpibot's variables from outside."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("SLACK_", "KPIBOT_", "WECOM_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "80")  # help screens wrap the same on every terminal
    return Cli(monkeypatch, capsys)
