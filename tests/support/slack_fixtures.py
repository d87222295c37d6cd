"""kpibot serving on a loopback port against a stand-in Slack: `serving`, and the `slack` fixture
built on it (one bot a test)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from bot.config.settings import Settings, SlackSettings
from bot.doors.serve import Bot
from bot.doors.wiring import build_bot
from loopback import run_in_background
from slack_requests import SECRET, SlackRequests
from slack_standin import SlackStandIn


@dataclass
class Running:
    bot: Bot
    standin: SlackStandIn
    requests: SlackRequests

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.bot.port}"

    def session(self) -> Session:
        return Session(self.bot.engine)

    def settle(self) -> None:
        """Wait until the work after the acknowledgements is done."""
        assert self.bot.worker.wait_idle(10)


@contextmanager
def serving(database_url: str, standin: SlackStandIn | None = None, **slack: str) -> Iterator[Running]:
    """`kpibot serve --no-scheduler` in this process, as `kpibot serve` runs it, against `standin`
    (a new one by default): over HTTP with requests signed with SECRET, or over Socket Mode when
    given an app_token. Closed, stand-in and all, afterwards."""
    standin = standin or SlackStandIn()
    settings = Settings(database_url=database_url, slack=SlackSettings(
        bot_token="xoxb-test-token", signing_secret=SECRET, api_url=standin.api_url, **slack))
    bot = build_bot(settings, host="127.0.0.1", port=0)
    run_in_background(bot)
    try:
        yield Running(bot, standin, SlackRequests(f"http://127.0.0.1:{bot.port}/slack/events", standin))
    finally:
        bot.close()
        standin.close()


@pytest.fixture
def slack(database_url) -> Iterator[Running]:
    with serving(database_url) as running:
        yield running
