"""The composition root: the center, the database, the chat platforms, the rounds and the bot,
wired here from the settings and nowhere else."""

from __future__ import annotations

import waitress
from sqlalchemy.engine import Engine
from waitress.server import BaseWSGIServer

from bot.config.center import Center, open_center
from bot.config.settings import Settings, SettingsError
from bot.doors.metrics import Metrics
from bot.doors.serve import Bot
from bot.doors.slack.app import (
    Slack,
    SocketMode,
    bolt_app,
    events_route,
    is_socket_mode,
    open_slack,
)
from bot.doors.slack.door import SlackDoor
from bot.doors.web import Wsgi, web_app
from bot.doors.worker import Worker
from bot.outbox.platforms import Platforms
from bot.store.db import check_exists, ensure_schema, make_engine


def open_world(settings: Settings, *, new: bool = False) -> tuple[Center, Engine]:
    """The center and a database whose schema is current (SQLite upgrades itself); `new` lets a
    SQLite file be made where there is none (the demo's)."""
    center = open_center(settings)
    if not new:
        check_exists(settings.database_url)
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return center, engine


def chat_platforms(settings: Settings, engine: Engine, slack: Slack | None = None) -> Platforms:
    """The chat platforms set up, in order of preference."""
    found = []
    if settings.slack.is_set_up:
        found.append((slack or open_slack(settings.slack, engine)).platform)
    return Platforms(found)


def round_platforms(settings: Settings, engine: Engine) -> Platforms:
    """The platforms a round sends on; at least one must be set up."""
    platforms = chat_platforms(settings, engine)
    if not platforms:
        raise SettingsError("settings.no_platform", variable="SLACK_BOT_TOKEN")
    return platforms


def build_bot(settings: Settings, host: str = "0.0.0.0", port: int | None = None) -> Bot:
    """Everything `kpibot serve` runs, wired together but not started."""
    settings.slack.check_serving()
    center, engine = open_world(settings)
    slack = open_slack(settings.slack, engine)
    app = bolt_app(slack)
    worker, platforms = Worker(), chat_platforms(settings, engine, slack)
    door = SlackDoor(center=center, engine=engine, slack=slack, platforms=platforms, worker=worker)
    door.register(app)
    routes = {} if is_socket_mode(slack) else {"/slack/events": events_route(app)}
    server = _server(web_app(engine=engine, metrics=Metrics(), doors=routes), host,
                     settings.port if port is None else port, worker, engine)
    connections = [SocketMode(app, slack)] if is_socket_mode(slack) else []
    return Bot(center, engine, platforms, worker, server, {"slack": door}, connections)


def _server(app: Wsgi, host: str, port: int, worker: Worker, engine: Engine) -> BaseWSGIServer:
    try:
        return waitress.create_server(app, host=host, port=port, threads=8)
    except OSError as err:
        worker.shutdown()
        engine.dispose()
        raise SettingsError("settings.port_taken", variable="PORT", value=port, reason=err.strerror) from err
