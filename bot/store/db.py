"""The database: engine, sessions and the migrations that make its schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError
from sqlmodel import create_engine

from bot.config.settings import SettingsError
from scoring.problems import Problem


class SchemaError(RuntimeError):
    """The database schema is behind the code."""


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def shown_url(url: str) -> str:
    """`url` with its password hidden, fit to show a person."""
    try:
        return make_url(url or "sqlite:///kpibot.db").render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as nothing rather than leaking a password
        return "DATABASE_URL"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        try:
            return create_engine(url, pool_pre_ping=True)
        except (ArgumentError, ImportError) as err:  # an unknown dialect, or its driver not installed
            raise SettingsError("settings.no_database_driver", variable="DATABASE_URL", value=shown_url(url),
                                reason=str(err).splitlines()[0]) from None
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def check_exists(url: str) -> None:
    """A SQLite file must be there already: a mistyped path would otherwise start an empty
    database. Only `kpibot db upgrade` makes a new one."""
    database = make_url(normalise_url(url)).database if url.startswith("sqlite") else None
    if database and database != ":memory:" and not Path(database).is_file():
        raise SettingsError("settings.no_sqlite_file", variable="DATABASE_URL", value=url,
                            path=str(Path(database).resolve()))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(str(resources.files("migrations")))))
    return config


def upgrade(engine: Engine) -> list[str]:
    """Apply every pending migration; returns the revisions applied, oldest first."""
    config = _alembic_config()
    with engine.connect() as connection, _foreign_keys_off(connection):
        with connection.begin():
            current = MigrationContext.configure(connection).get_current_heads()
            pending = ScriptDirectory.from_config(config).iterate_revisions("heads", current)
            applied = [revision.revision for revision in reversed(list(pending))]
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    return applied


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, migrate with foreign keys off, then check them and turn them back on.

    Batch mode changes a SQLite table by copying it and dropping the old one; dropping a table
    that others reference (agent) fails while foreign keys are enforced, so Alembic's advice is
    to turn them off for the migration. SQLite ignores the pragma inside a transaction: it is
    set before the migrations' transaction begins, and set back on this pooled connection after.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
        broken = sorted({row[0] for row in connection.exec_driver_sql("PRAGMA foreign_key_check")})
    finally:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
    if broken:
        raise Problem("cli.broken_references", url=connection.engine.url.render_as_string(hide_password=True),
                      tables=", ".join(broken))


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    heads = set(ScriptDirectory.from_config(_alembic_config()).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def ensure_schema(engine: Engine) -> None:
    """On SQLite apply pending migrations; elsewhere refuse to run on an old schema."""
    if is_current(engine):
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise SchemaError("the database schema is not up to date: run `kpibot db upgrade` first")
