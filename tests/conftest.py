"""Shared fixtures: the seeds policy, the China calendar, and real databases (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot.config.calendars import work_calendar
from bot.config.center import Center, open_center
from bot.store.db import make_engine, upgrade
from bot.config.policy import load_policy
from bot.config.settings import Settings

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
