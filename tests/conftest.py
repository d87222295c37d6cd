"""Shared fixtures: the seeds policy, the China calendar, real databases (SQLite, PostgreSQL), and
`kpibot`, the command line as an operator runs it."""

from __future__ import annotations

import io
import os
import shutil
import sys
import uuid
from contextlib import nullcontext
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import text
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


@pytest.fixture
def database_url(tmp_path, _migrated_sqlite) -> str:
    path = tmp_path / "kpibot.db"
    shutil.copy(_migrated_sqlite, path)
    return f"sqlite:///{path}"


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


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    admin = make_engine(PG_SERVER).execution_options(isolation_level="AUTOCOMMIT")
    name = f"kpibot_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:  # no server: skip here, fail in CI (.ci/run sets the variable)
        if os.environ.get("KPIBOT_TEST_PG_REQUIRED"):
            pytest.fail(f"PostgreSQL is required but unreachable at {PG_SERVER}: {err}")
        pytest.skip(f"PostgreSQL unreachable at {PG_SERVER}")
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


class OwnDatabase:
    """A migrated PostgreSQL database of one test's own, dropped after it (or when it says)."""

    def __init__(self, prefix: str):
        self.name = f"kpibot_{prefix}_{uuid.uuid4().hex[:10]}"
        self.admin = make_engine(PG_SERVER).execution_options(isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = PG_SERVER.rsplit("/", 1)[0] + f"/{self.name}"
        migrator = make_engine(self.url)
        upgrade(migrator)
        migrator.dispose()

    def drop(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


@pytest.fixture
def own_pg(pg_url, request):
    """A migrated PostgreSQL database of this test's own (the session's pg_url one stays empty)."""
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
