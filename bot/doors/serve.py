"""`kpibot serve`: Slack over HTTP (or Socket Mode), the health check and metrics, and the
scheduler unless told otherwise."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.error import URLError

import waitress
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import Engine
from waitress.server import BaseWSGIServer

from bot.config.center import Center, open_center
from bot.store.db import ensure_schema, make_engine
from bot.doors.metrics import Metrics
from bot.config.settings import Settings, SettingsError, check_slack
from bot.doors.slack.door import SlackDoor
from bot.doors.web import web_app
from bot.doors.worker import Worker

log = logging.getLogger("kpibot")


@dataclass
class Bot:
    center: Center
    engine: Engine
    worker: Worker
    door: SlackDoor
    server: BaseWSGIServer
    socket: SocketModeHandler | None

    @property
    def port(self) -> int:
        return self.server.effective_port

    def run(self) -> None:
        if self.socket is not None:
            self.socket.connect()
        log.info("kpibot is listening on port %s (%s)", self.port, "Socket Mode" if self.socket else "HTTP")
        self.server.run()

    def close(self) -> None:
        if self.socket is not None:
            try:
                self.socket.close()
            except (AttributeError, OSError):  # slack_sdk's client can lose its socket mid-close
                log.debug("the Socket Mode connection was already gone")
        self.server.close()
        self.worker.shutdown()
        self.engine.dispose()


def build_bot(settings: Settings, host: str = "0.0.0.0", port: int | None = None) -> Bot:
    """Everything `kpibot serve` runs, wired together but not started."""
    check_slack(settings)
    center = open_center(settings)
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    socket_mode = settings.slack_app_token is not None
    app = _bolt(client, settings, socket_mode)
    worker, metrics = Worker(), Metrics()
    door = SlackDoor(center=center, engine=engine, client=client, worker=worker)
    door.register(app)
    http = web_app(engine=engine, metrics=metrics, slack=None if socket_mode else SlackRequestHandler(app))
    port = settings.port if port is None else port
    try:
        server = waitress.create_server(http, host=host, port=port, threads=8)
    except OSError as err:
        worker.shutdown()
        engine.dispose()
        raise SettingsError("settings.port_taken", variable="PORT", value=port, reason=err.strerror) from err
    socket = SocketModeHandler(app, settings.slack_app_token, web_client=client) if socket_mode else None
    return Bot(center, engine, worker, door, server, socket)


def _bolt(client: WebClient, settings: Settings, socket_mode: bool) -> App:
    """The Bolt app; it checks the token with auth.test, which is where a bad token shows."""
    try:
        return App(client=client, signing_secret=settings.slack_signing_secret,
                   request_verification_enabled=not socket_mode, process_before_response=True)
    except (BoltError, SlackApiError, SlackClientError, URLError, OSError) as err:
        cause = err if isinstance(err, SlackApiError) else err.__context__  # Bolt wraps the answer
        if isinstance(cause, SlackApiError):
            raise SettingsError("settings.slack_refused", variable="SLACK_BOT_TOKEN",
                                value=cause.response.get("error")) from None
        raise SettingsError("settings.slack_unreachable", variable="SLACK_API_URL",
                            value=settings.slack_api_url) from None
