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
from bot.doors.wecom.app import Wecom, open_wecom
from bot.doors.wecom.door import WecomDoor
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


def chat_platforms(settings: Settings, engine: Engine, slack: Slack | None = None,
                   wecom: Wecom | None = None) -> Platforms:
    """The chat platforms set up, in order of preference: Slack, then WeCom."""
    found = []
    if settings.slack.is_set_up:
        found.append((slack or open_slack(settings.slack, engine)).platform)
    if settings.wecom.is_set_up:
        found.append((wecom or open_wecom(settings.wecom, engine)).platform)
    return Platforms(found)


def round_platforms(settings: Settings, engine: Engine) -> Platforms:
    """The platforms a round sends on; at least one must be set up."""
    platforms = chat_platforms(settings, engine)
    if not platforms:
        raise SettingsError("settings.no_platform", variable="SLACK_BOT_TOKEN")
    return platforms


def build_bot(settings: Settings, host: str = "0.0.0.0", port: int | None = None) -> Bot:
    """Everything `kpibot serve` runs, wired together but not started: a door for each platform
    set up (Slack, WeCom), at least one."""
    _check_doors(settings)
    center, engine = open_world(settings)
    slack = open_slack(settings.slack, engine) if settings.slack.is_set_up else None
    wecom = open_wecom(settings.wecom, engine) if settings.wecom.is_set_up else None
    worker, platforms = Worker(), chat_platforms(settings, engine, slack, wecom)
    doors, routes, connections = {}, {}, []
    if slack is not None:
        app = bolt_app(slack)
        doors["slack"] = SlackDoor(center=center, engine=engine, slack=slack, platforms=platforms, worker=worker)
        doors["slack"].register(app)
        if is_socket_mode(slack):
            connections.append(SocketMode(app, slack))
        else:
            routes["/slack/events"] = events_route(app)
    if wecom is not None:
        doors["wecom"] = WecomDoor(center=center, engine=engine, envelope=wecom.envelope(), platform=wecom.platform,
                                   platforms=platforms, worker=worker)
        routes["/wecom/callback"] = doors["wecom"].route
    server = _server(web_app(engine=engine, metrics=Metrics(), doors=routes), host,
                     settings.port if port is None else port, worker, engine)
    return Bot(center, engine, platforms, worker, server, doors, connections)


def _check_doors(settings: Settings) -> None:
    """Each platform set up can be served, and there is one at least (a Slack half set up is
    Slack's to name)."""
    slack_begun = settings.slack.signing_secret or settings.slack.app_token
    if not settings.slack.is_set_up and not settings.wecom.is_set_up and not slack_begun:
        raise SettingsError("settings.no_platform", variable="SLACK_BOT_TOKEN")
    if settings.slack.is_set_up or (slack_begun and not settings.wecom.is_set_up):
        settings.slack.check_serving()
    if settings.wecom.is_set_up:
        settings.wecom.check_serving()


def _server(app: Wsgi, host: str, port: int, worker: Worker, engine: Engine) -> BaseWSGIServer:
    try:
        return waitress.create_server(app, host=host, port=port, threads=8)
    except OSError as err:
        worker.shutdown()
        engine.dispose()
        raise SettingsError("settings.port_taken", variable="PORT", value=port, reason=err.strerror) from err
