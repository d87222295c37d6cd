"""kpibot over Socket Mode: a real WebSocket server stands in for Slack's Socket Mode endpoint
(the Web API stand-in hands out its URL from apps.connections.open), sends hello and the same
slash-command payloads Slack sends over HTTP, and records kpibot's acknowledgements."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from sqlmodel import Session, select
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

import scenario
from bot.store.db import make_engine
from bot.store.models import Agent, LedgerEntry
from slack_fixtures import serving, slack  # noqa: F401
from slack_requests import SlackRequests
from slack_standin import SlackStandIn

APP_TOKEN = "xapp-1-A0KPIBOT-1-0123456789abcdef"
HELLO = {"type": "hello", "num_connections": 1,
         "debug_info": {"host": "applink-standin", "build_number": 1, "approximate_connection_time": 18060},
         "connection_info": {"app_id": "A0KPIBOT"}}


class SocketSlack:
    """Slack's Socket Mode endpoint on 127.0.0.1: greets each connection with hello, sends what the
    test gives it, and records every message kpibot sends back."""

    def __init__(self):
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self._connection: ServerConnection | None = None
        self._changed = threading.Condition()
        self.server = serve(self._session, "127.0.0.1", 0, ping_interval=None, compression=None,
                            close_timeout=0.5)  # slack_sdk closes its socket without a closing handshake
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link/?ticket=t-0001&app_id=A0KPIBOT"

    def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self.paths.append(connection.request.path)
            self._connection = connection
            self._changed.notify_all()
        connection.send(json.dumps(HELLO))
        try:
            for message in connection:
                with self._changed:
                    self.received.append(json.loads(message))
                    self._changed.notify_all()
        except ConnectionClosed:
            pass

    def wait(self, condition: Callable[[], bool], timeout: float = 10) -> bool:
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def send(self, envelope: dict[str, Any]) -> None:
        assert self.wait(lambda: self._connection is not None), "kpibot never connected"
        self._connection.send(json.dumps(envelope))

    def acks(self, envelope_id: str) -> list[dict[str, Any]]:
        with self._changed:
            return [m for m in self.received if m.get("envelope_id") == envelope_id]

    def close(self) -> None:
        self.server.shutdown()


def slash_command(envelope_id: str, command: str, text: str, user: str, response_url: str) -> dict[str, Any]:
    """A slash_commands envelope whose payload has the fields Slack posts over HTTP."""
    return {
        "envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True,
        "payload": {
            "token": "legacy-verification-token", "team_id": "T0001", "team_domain": "kpibot-test",
            "channel_id": "C0GENERAL", "channel_name": "general", "user_id": user, "user_name": user.lower(),
            "command": command, "text": text, "api_app_id": "A0KPIBOT", "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": f"{envelope_id}.1.trigger",
        },
    }


class SocketRunning:
    def __init__(self, bot, standin: SlackStandIn, wss: SocketSlack):
        self.bot, self.standin, self.wss = bot, standin, wss

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.bot.port}"


@pytest.fixture
def socket_bot(database_url):
    """kpibot with SLACK_APP_TOKEN: connected over Socket Mode, still serving /healthz on HTTP."""
    standin, wss = SlackStandIn(), SocketSlack()
    standin.socket_url = wss.url
    with serving(database_url, standin, app_token=APP_TOKEN) as running:
        assert wss.wait(lambda: len(wss.paths) == 1), "kpibot did not open the Socket Mode connection"
        yield SocketRunning(running.bot, standin, wss)
        # Slack's side ends the session first, as on a restart; otherwise slack_sdk waits out a
        # 3-second socket read before it lets go. No reconnecting: the test is over.
        running.bot.connections[0].handler.client.auto_reconnect_enabled = False
        wss.close()


def get(url: str) -> tuple[int, str]:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except HTTPError as err:
        return err.code, err.read().decode("utf-8")


def test_kpibot_connects_with_the_app_token_to_the_url_slack_hands_out(socket_bot):
    calls = [(call.method, call.headers["Authorization"]) for call in socket_bot.standin.calls]
    assert calls == [("auth.test", "Bearer xoxb-test-token"), ("apps.connections.open", f"Bearer {APP_TOKEN}")]
    assert socket_bot.wss.paths == ["/link/?ticket=t-0001&app_id=A0KPIBOT"]


def test_mystats_over_socket_mode_is_acknowledged_then_answered_as_over_http(socket_bot, slack):  # noqa: F811
    """Same database, same command: the Socket Mode answer is the HTTP answer, byte for byte."""
    with slack.session() as session:
        scenario.build(session)
    assert slack.requests.command("/mystats", "2026-11-04", "U001") == (200, "")
    slack.settle()
    over_http = slack.standin.wait_for("respond")[0].body

    answering = socket_bot.standin.hold("respond")  # the answer waits; the acknowledgement must not
    socket_bot.wss.send(slash_command("env-mystats-1", "/mystats", "2026-11-04", "U001",
                                      socket_bot.standin.response_url("sock1")))
    assert socket_bot.wss.wait(lambda: socket_bot.wss.acks("env-mystats-1") != [], timeout=3)
    assert socket_bot.wss.acks("env-mystats-1") == [{"envelope_id": "env-mystats-1"}]
    assert [c.path for c in socket_bot.standin.wait_for("respond")] == ["/respond/sock1"]
    answering.set()
    assert socket_bot.bot.worker.wait_idle(10)

    answer = socket_bot.standin.of("respond")[0].body
    assert answer == over_http
    assert answer["response_type"] == "ephemeral"
    assert "Wed 4 Nov: 55 of 60 calls, 160 of 150 talk minutes" in answer["text"]
    assert socket_bot.wss.received == [{"envelope_id": "env-mystats-1"}]


def test_a_deduction_over_socket_mode_writes_one_entry_and_dms_the_agent(socket_bot, database_url):
    engine = make_engine(database_url)
    with Session(engine) as session:
        scenario.build(session)
        lead = session.exec(select(Agent).where(Agent.employee_id == "L01")).one()
        lead.slack_user_id = "U100"
        session.add(lead)
        session.commit()
    socket_bot.wss.send(slash_command("env-deduct-1", "/deduct", "<@U001|wang> late", "U100",
                                      socket_bot.standin.response_url("sock2")))
    assert socket_bot.wss.wait(lambda: socket_bot.wss.acks("env-deduct-1") != [])
    assert socket_bot.bot.worker.wait_idle(10)
    assert socket_bot.wss.acks("env-deduct-1") == [{"envelope_id": "env-deduct-1"}]
    answer = socket_bot.standin.wait_for("respond")[0].body
    # Wang Fang's November 2026 so far: -2 late, +1 call, -1 phone undone; the new -2 counts this month.
    score = 97 if socket_bot.bot.center.today().strftime("%Y-%m") == "2026-11" else 98
    assert answer["text"].strip() == f"Recorded for Wang Fang (A001): -2 Late. Their score this month: {score}."
    assert socket_bot.standin.wait_for("chat.postMessage")[0].body["channel"] == "DU001"
    with Session(engine) as session:
        assert session.exec(select(LedgerEntry.points).where(LedgerEntry.code == "late")).all() == [-2, -2]
    engine.dispose()


def test_healthz_is_served_on_http_in_socket_mode_and_slack_events_is_not(socket_bot):
    assert get(socket_bot.base + "/healthz") == (200, "ok\n")
    assert get(socket_bot.base + "/slack/events") == (404, "not found\n")
    signed = SlackRequests(socket_bot.base + "/slack/events", socket_bot.standin)
    assert signed.command("/mystats", "", "U001") == (404, "not found\n")
    assert socket_bot.bot.worker.wait_idle(10)
    assert socket_bot.standin.of("respond") == []
