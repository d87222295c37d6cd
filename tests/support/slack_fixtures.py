"""kpibot serving on a loopback port against a stand-in Slack: the `slack` fixture."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from bot.doors.serve import Bot
from bot.doors.wiring import build_bot
from bot.config.settings import Settings, SlackSettings
from slack_requests import SECRET, SlackRequests
from slack_standin import SlackStandIn


@dataclass
class Running:
    bot: Bot
    standin: SlackStandIn
    requests: SlackRequests

    def session(self) -> Session:
        return Session(self.bot.engine)

    def settle(self) -> None:
        """Wait until the work after the acknowledgements is done."""
        assert self.bot.worker.wait_idle(10)


def serve_in_background(bot) -> None:
    """Serve `bot` in a daemon thread until bot.close()."""
    threading.Thread(target=_serve, args=(bot,), daemon=True).start()


def _serve(bot) -> None:
    try:
        bot.server.run()
    except OSError:  # bot.close() closes the listening socket under the serving loop: that ends it
        pass


@pytest.fixture
def slack(database_url):
    standin = SlackStandIn()
    settings = Settings(database_url=database_url, slack=SlackSettings(bot_token="xoxb-test-token", signing_secret=SECRET, api_url=standin.api_url))
    bot = build_bot(settings, host="127.0.0.1", port=0)
    serve_in_background(bot)
    yield Running(bot, standin, SlackRequests(f"http://127.0.0.1:{bot.port}/slack/events", standin))
    bot.close()
    standin.close()
