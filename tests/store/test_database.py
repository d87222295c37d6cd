"""The schema comes from the migrations, on SQLite and PostgreSQL; the ledger is append-only."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, SQLModel, select

from bot.doors.cli import main
from bot.store.db import SchemaError, _alembic_config, ensure_schema, is_current, make_engine, normalise_url, upgrade
from bot.store.models import DailyStat, LedgerEntry
from factories import add_agent, add_entry

TABLES = {"agent", "team", "team_lead", "daily_stat", "ledger_entry", "delivery", "job_run", "stats_pull",
          "alembic_version"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    if request.param == "postgresql":
        with engine.begin() as connection:  # leave the shared database empty for the next test
            for table in TABLES:
                connection.execute(text(f"DROP TABLE {table} CASCADE"))
            connection.execute(text("DROP FUNCTION IF EXISTS ledger_entry_append_only() CASCADE"))
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


@pytest.mark.parametrize(("locale", "applied", "current"), [
    ("en", "Applied 6 migrations (0001 … 0006) to the database sqlite:///{path}.\n",
     "The database sqlite:///{path} was already up to date: no migration to apply.\n"),
    ("zh-CN", "已对数据库 sqlite:///{path} 执行 6 个迁移（0001 … 0006）。\n",
     "数据库 sqlite:///{path} 已是最新，无需迁移。\n"),
])
def test_db_upgrade_says_which_migrations_it_applied(tmp_path, monkeypatch, capsys, locale, applied, current):
    path = tmp_path / "new.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("KPIBOT_LOCALE", locale)

    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == applied.format(path=path)
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == current.format(path=path)


def test_upgrade_returns_only_the_migrations_still_pending(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")

    assert upgrade(engine) == ["0004", "0005", "0006"]
    assert upgrade(engine) == []
