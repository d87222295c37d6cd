"""Slack, built once from its settings: the Web API clients, the directory, the outbox's
platform and, for serving, the Bolt app with its HTTP handler or Socket Mode connection."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.error import URLError

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import Engine

from bot.config.settings import SettingsError, SlackSettings
from bot.doors.slack.directory import Directory
from bot.doors.slack.platform import SlackPlatform, outbox_client
from bot.outbox.pacing import Pacer

log = logging.getLogger("kpibot.slack")
Wsgi = Callable[[dict, Callable], Iterable[bytes]]


@dataclass(frozen=True)
class Slack:
    settings: SlackSettings
    client: WebClient  # for answers: slack_sdk's own retries on
    directory: Directory
    platform: SlackPlatform  # for the outbox: its client retries nothing by itself


def open_slack(settings: SlackSettings, engine: Engine) -> Slack:
    """The clients, the directory and the platform of a set-up Slack."""
    client = WebClient(token=settings.bot_token, base_url=settings.api_url)
    directory = Directory(client)
    platform = SlackPlatform(client=outbox_client(client), directory=directory, engine=engine,
                             channel=settings.leaderboard_channel, pacer=Pacer(settings.rate))
    return Slack(settings, client, directory, platform)


def bolt_app(slack: Slack) -> App:
    """The Bolt app; it checks the token with auth.test, which is where a bad token shows."""
    try:
        return App(client=slack.client, signing_secret=slack.settings.signing_secret,
                   request_verification_enabled=not is_socket_mode(slack), process_before_response=True)
    except (BoltError, SlackApiError, SlackClientError, URLError, OSError) as err:
        cause = err if isinstance(err, SlackApiError) else err.__context__  # Bolt wraps the answer
        if isinstance(cause, SlackApiError):
            raise SettingsError("settings.slack_refused", variable="SLACK_BOT_TOKEN",
                                value=cause.response.get("error")) from None
        raise SettingsError("settings.slack_unreachable", variable="SLACK_API_URL",
                            value=slack.settings.api_url) from None


def is_socket_mode(slack: Slack) -> bool:
    return slack.settings.app_token is not None


def events_route(app: App) -> Wsgi:
    """POST /slack/events. A request whose signature timestamp is not a number is refused (401)
    before Bolt's own check, which would stumble on it."""
    handler = SlackRequestHandler(app)

    def route(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "").strip().isdigit():
            body = b'{"error": "invalid request"}'
            start_response("401 Unauthorized", [("Content-Type", "application/json"),
                                                ("Content-Length", str(len(body)))])
            return [body]
        return handler(environ, start_response)

    return route


class SocketMode:
    """The Socket Mode connection, opened when the bot starts and closed when it stops."""

    name = "Socket Mode"

    def __init__(self, app: App, slack: Slack):
        self.handler = SocketModeHandler(app, slack.settings.app_token, web_client=slack.client)

    def start(self) -> None:
        self.handler.connect()

    def close(self) -> None:
        try:
            self.handler.close()
        except (AttributeError, OSError):  # slack_sdk's client can lose its socket mid-close
            log.debug("the Socket Mode connection was already gone")
