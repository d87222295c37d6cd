"""kpibot's HTTP side, over real HTTP: Slack's signature check, /healthz, /metrics, unknown paths,
and `kpibot serve` refusing to start on missing or inconsistent settings."""

from __future__ import annotations

import socket
import threading
import time
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from sqlalchemy import func
from slack_sdk.signature import SignatureVerifier
from sqlmodel import select

import scenario
from bot.doors.cli import main
from bot.store.models import Agent, LedgerEntry
from slack_fixtures import serving, slack  # noqa: F401
from slack_requests import SECRET
from slack_standin import SlackStandIn

REFUSED = '{"error": "invalid request"}'


def get(url: str) -> tuple[int, str, str]:
    """GET `url`: status, body and Content-Type."""
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8"), response.headers["Content-Type"]
    except HTTPError as err:
        return err.code, err.read().decode("utf-8"), err.headers["Content-Type"]


def post_raw(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    request = Request(url, data=body.encode("utf-8"), method="POST", headers=headers)
    try:
        with urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except HTTPError as err:
        return err.code, err.read().decode("utf-8")


def with_lead(session) -> None:
    """The scenario, with the lead Xu Chen (L01) on Slack as U100."""
    scenario.build(session)
    lead = session.exec(select(Agent).where(Agent.employee_id == "L01")).one()
    lead.slack_user_id = "U100"
    session.add(lead)
    session.commit()


@pytest.fixture(scope="module")
def signed(module_database_url):
    """One bot for the signature tests: each checks that it added no row and no call to Slack."""
    with serving(module_database_url) as running:
        with running.session() as session:
            with_lead(session)
        yield running


@pytest.fixture
def untouched(signed):
    """Asserts, after the test, that the ledger and the stand-in saw nothing new."""
    rows, calls = ledger_rows(signed), len(signed.standin.calls)
    yield signed
    signed.settle()
    assert (ledger_rows(signed), signed.standin.calls[calls:]) == (rows, [])


def ledger_rows(running) -> int:
    with running.session() as session:
        return session.exec(select(func.count()).select_from(LedgerEntry)).one()


def deduction(running, name: str) -> str:
    """The form body Slack posts for `/deduct <@U001> late` typed by the lead (U100)."""
    return urlencode({
        "token": "legacy-verification-token", "team_id": "T0001", "team_domain": "kpibot-test",
        "channel_id": "C0GENERAL", "channel_name": "general", "user_id": "U100", "user_name": "u100",
        "command": "/deduct", "text": "<@U001> late", "api_app_id": "A0KPIBOT", "is_enterprise_install": "false",
        "response_url": running.standin.response_url(name), "trigger_id": f"{name}.1.trigger"})


def signed_headers(body: str, timestamp: str, secret: str = SECRET) -> dict[str, str]:
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)}


def now() -> str:
    return str(int(time.time()))


# --- the signature check (each test: 401, and nothing written or sent) ---------------------


@pytest.mark.parametrize("signature", [
    pytest.param("v0=" + "0" * 64, id="wrong-signature"),
    pytest.param("v1=deadbeef", id="malformed-signature"),
    pytest.param("", id="empty-signature"),
])
def test_a_wrongly_signed_command_is_refused(untouched, signature):
    body = deduction(untouched, "forged")
    headers = {**signed_headers(body, now()), "X-Slack-Signature": signature}
    assert post_raw(untouched.requests.url, body, headers) == (401, REFUSED)


def test_a_command_signed_with_another_secret_is_refused(untouched):
    body = deduction(untouched, "other-secret")
    headers = signed_headers(body, now(), secret="not-the-signing-secret-0000000000")
    assert post_raw(untouched.requests.url, body, headers) == (401, REFUSED)


def test_a_body_changed_after_signing_is_refused(untouched):
    headers = signed_headers(deduction(untouched, "tampered"), now())
    tampered = deduction(untouched, "tampered").replace("late", "missed")
    assert post_raw(untouched.requests.url, tampered, headers) == (401, REFUSED)


@pytest.mark.parametrize("offset", [
    pytest.param(-310, id="310-seconds-old"),
    pytest.param(-3600, id="an-hour-old"),
    pytest.param(310, id="310-seconds-ahead"),
    pytest.param(86400, id="a-day-ahead"),
])
def test_a_command_signed_outside_the_five_minutes_is_refused(untouched, offset):
    body = deduction(untouched, "stale")
    headers = signed_headers(body, str(int(time.time()) + offset))
    assert post_raw(untouched.requests.url, body, headers) == (401, REFUSED)


@pytest.mark.parametrize("drop", [
    pytest.param(("X-Slack-Signature", "X-Slack-Request-Timestamp"), id="neither-header"),
    pytest.param(("X-Slack-Signature",), id="no-signature"),
    pytest.param(("X-Slack-Request-Timestamp",), id="no-timestamp"),
])
def test_a_command_without_the_signature_headers_is_refused(untouched, drop):
    body = deduction(untouched, "unsigned")
    headers = signed_headers(body, now())
    for name in drop:
        del headers[name]
    assert post_raw(untouched.requests.url, body, headers) == (401, REFUSED)


@pytest.mark.parametrize("timestamp", ["soon", "", "1.7e9", "0x10"])
def test_a_timestamp_that_is_not_a_whole_number_is_refused(untouched, timestamp):
    body = deduction(untouched, "nan")
    headers = {**signed_headers(body, timestamp), "X-Slack-Request-Timestamp": timestamp}
    assert post_raw(untouched.requests.url, body, headers) == (401, REFUSED)


def test_inside_the_five_minutes_the_same_command_is_carried_out(signed):
    """The control for the refusals above: signed as Slack signs it, four minutes either way."""
    rows = ledger_rows(signed)
    assert signed.requests.command("/deduct", "<@U001> late", "U100", timestamp=int(time.time()) - 240) == (200, "")
    assert signed.requests.command("/award", "A002 call", "U100", timestamp=int(time.time()) + 240) == (200, "")
    signed.settle()
    assert ledger_rows(signed) == rows + 2
    with signed.session() as session:
        newest = session.exec(select(Agent.employee_id, LedgerEntry.points, LedgerEntry.code)
                              .join(Agent, Agent.id == LedgerEntry.agent_id)
                              .order_by(LedgerEntry.id.desc()).limit(2)).all()
    assert sorted(newest) == [("A001", -2, "late"), ("A002", 1, "call")]


# --- health, metrics and unknown paths -----------------------------------------------------


def base(running) -> str:
    return f"http://127.0.0.1:{running.bot.port}"


def test_healthz_answers_ok_while_the_database_answers(slack):  # noqa: F811
    assert get(base(slack) + "/healthz") == (200, "ok\n", "text/plain; charset=utf-8")


@pytest.mark.postgres
def test_healthz_answers_503_once_the_database_is_gone(own_pg):
    """A PostgreSQL database of its own, dropped under the running bot."""
    with serving(own_pg.url) as running:
        healthz = f"{running.base}/healthz"
        assert get(healthz) == (200, "ok\n", "text/plain; charset=utf-8")
        own_pg.drop()
        assert get(healthz) == (503, "database unavailable\n", "text/plain; charset=utf-8")
        assert get(healthz) == (503, "database unavailable\n", "text/plain; charset=utf-8")
        assert get(f"{running.base}/metrics") == (  # the scrape itself never fails
            200, 'kpibot_http_requests_total{path="/healthz"} 3\nkpibot_http_requests_total{path="/metrics"} 1\n',
            "text/plain; version=0.0.4")


def test_metrics_answers_prometheus_text_counting_requests(slack):  # noqa: F811
    assert get(base(slack) + "/healthz")[0] == 200
    assert get(base(slack) + "/healthz")[0] == 200
    assert get(base(slack) + "/nowhere")[0] == 404
    status, body, kind = get(base(slack) + "/metrics")
    assert (status, kind) == (200, "text/plain; version=0.0.4")
    assert body == ('kpibot_http_requests_total{path="/healthz"} 2\n'
                    'kpibot_http_requests_total{path="/metrics"} 1\n'
                    'kpibot_http_requests_total{path="other"} 1\n')


def test_metrics_counts_slack_requests_and_deliveries(slack):  # noqa: F811
    with slack.session() as session:
        with_lead(session)
    assert slack.requests.command("/deduct", "<@U001> late", "U100") == (200, "")
    assert slack.requests.command("/deduct", "<@U001> late", "U100", signature="v0=" + "0" * 64)[0] == 401
    slack.settle()
    status, body, _ = get(base(slack) + "/metrics")
    assert status == 200
    assert body == ('kpibot_deliveries{status="sent"} 1\n'
                    'kpibot_http_requests_total{path="/metrics"} 1\n'
                    'kpibot_http_requests_total{path="/slack/events"} 2\n')


@pytest.mark.parametrize("path", ["/", "/slack", "/slack/events/", "/healthz/extra", "/wecom/nothing"])
def test_an_unknown_path_answers_404(signed, path):
    assert get(base(signed) + path) == (404, "not found\n", "text/plain; charset=utf-8")


# --- kpibot serve with missing or inconsistent settings ------------------------------------

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": SECRET}
WECOM_APP = {"WECOM_CORP_ID": "ww1234567890abcdef", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s3cret"}

SETTINGS_CASES = [
    pytest.param({"SLACK_SIGNING_SECRET": SECRET},
                 "SLACK_BOT_TOKEN is not set: kpibot needs the bot token (xoxb-…) from your Slack "
                 "app's OAuth page.",
                 "未设置 SLACK_BOT_TOKEN：kpibot 需要 Slack 应用 OAuth 页面上的机器人令牌（xoxb-…）。",
                 id="no-bot-token"),
    pytest.param({**GOOD, "SLACK_BOT_TOKEN": "xoxp-1-2-abc"},
                 "SLACK_BOT_TOKEN must be a bot token starting xoxb-, not xoxp-…: copy the Bot User OAuth Token.",
                 "SLACK_BOT_TOKEN 必须是以 xoxb- 开头的机器人令牌，当前为 xoxp-…：请复制 Bot User OAuth Token。",
                 id="user-token"),
    pytest.param({**GOOD, "SLACK_APP_TOKEN": "xoxb-9-9-app"},
                 "SLACK_APP_TOKEN must be an app-level token starting xapp-, not xoxb-…: create one with the "
                 "connections:write scope.",
                 "SLACK_APP_TOKEN 必须是以 xapp- 开头的应用级令牌，当前为 xoxb-…：请创建一个带 connections:write "
                 "权限的令牌。",
                 id="app-token-not-xapp"),
    pytest.param({"SLACK_BOT_TOKEN": "xoxb-1-2-abc"},
                 "SLACK_SIGNING_SECRET is not set: set it (Basic Information page) to serve Slack over HTTP, or "
                 "set SLACK_APP_TOKEN for Socket Mode.",
                 "未设置 SLACK_SIGNING_SECRET：通过 HTTP 接入 Slack 需要它（见 Basic Information 页面），或设置 "
                 "SLACK_APP_TOKEN 使用 Socket Mode。",
                 id="neither-secret-nor-app-token"),
    pytest.param({**GOOD, "SLACK_API_URL": "ftp://slack.example.com/api/"},
                 "SLACK_API_URL is not an http(s) URL: 'ftp://slack.example.com/api/'. Leave it unset for "
                 "https://slack.com/api/.",
                 "SLACK_API_URL 不是 http(s) 地址：“ftp://slack.example.com/api/”。不设置即使用 https://slack.com/api/。",
                 id="api-url-not-http"),
    pytest.param({}, "No chat platform is set up, so there is nobody to send to: set SLACK_BOT_TOKEN to the Slack "
                     "bot token (xoxb-…) from your Slack app's OAuth page (docs/slack.md), or set up WeCom with "
                     "WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_SECRET (docs/wecom.md).",
                 "尚未接入任何聊天平台，消息无处可发：请把 SLACK_BOT_TOKEN 设为 Slack 应用 OAuth 页面上的机器人令牌"
                 "（xoxb-…，见 docs/slack.md），或设置 WECOM_CORP_ID、WECOM_AGENT_ID 和 WECOM_SECRET 接入企业微信"
                 "（见 docs/wecom.md）。",
                 id="no-platform"),
    pytest.param(WECOM_APP, "WECOM_TOKEN is not set: serving WeCom's callback needs WECOM_CORP_ID, WECOM_AGENT_ID, "
                            "WECOM_SECRET, WECOM_TOKEN and WECOM_AES_KEY (docs/wecom.md).",
                 "未设置 WECOM_TOKEN：接收企业微信回调需要 WECOM_CORP_ID、WECOM_AGENT_ID、WECOM_SECRET、WECOM_TOKEN 和 "
                 "WECOM_AES_KEY（见 docs/wecom.md）。",
                 id="wecom-without-callback"),
    pytest.param({"WECOM_CORP_ID": "ww1", "WECOM_SECRET": "s"},
                 "WECOM_AGENT_ID is not set: WeCom needs WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_SECRET together "
                 "(docs/wecom.md), or none of them (set now: WECOM_CORP_ID, WECOM_SECRET).",
                 "未设置 WECOM_AGENT_ID：企业微信需要同时设置 WECOM_CORP_ID、WECOM_AGENT_ID 和 WECOM_SECRET（见 "
                 "docs/wecom.md），或者一个都不设置（目前已设置：WECOM_CORP_ID, WECOM_SECRET）。",
                 id="wecom-half-set"),
    pytest.param({**WECOM_APP, "WECOM_TOKEN": "t", "WECOM_AES_KEY": "short"},
                 "WECOM_AES_KEY must be the callback's EncodingAESKey, 43 letters and digits, not 5 characters: "
                 "copy it from the app's API receive settings.",
                 "WECOM_AES_KEY 必须是回调的 EncodingAESKey，由 43 个字母和数字组成，当前为 5 个字符：请在应用的“接收消息”"
                 "设置中复制。",
                 id="wecom-aes-key"),
]


@pytest.fixture
def clean_env(kpibot, monkeypatch):
    """The command line's own clean environment (see kpibot in conftest.py), on a free PORT."""
    kpibot.env(PORT=str(free_port()))
    return monkeypatch


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(monkeypatch, capsys, env: dict[str, str], locale: str | None) -> tuple[int, str, str]:
    """`kpibot serve --no-scheduler` through bot.cli.main; it must stop by itself within 20 s."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if locale is not None:
        monkeypatch.setenv("KPIBOT_LOCALE", locale)
    result: list[int] = []
    raised: list[BaseException] = []

    def run() -> None:
        try:
            result.append(main(["serve", "--no-scheduler"]))
        except BaseException as err:  # reported below as the test's failure, with its type
            raised.append(err)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(20)
    out, err = capsys.readouterr()
    assert not runner.is_alive(), "kpibot serve started instead of stopping"
    assert not raised, f"kpibot serve ended in a traceback: {type(raised[0]).__name__}: {raised[0]}"
    return result[0], out, err


@pytest.mark.parametrize("env, english, chinese", SETTINGS_CASES)
def test_serve_stops_with_one_english_line_naming_the_variable(clean_env, capsys, env, english, chinese):
    assert serve(clean_env, capsys, env, None) == (1, "", english + "\n")


@pytest.mark.parametrize("env, english, chinese", SETTINGS_CASES)
def test_serve_stops_with_one_chinese_line_naming_the_variable(clean_env, capsys, env, english, chinese):
    assert serve(clean_env, capsys, env, "zh-CN") == (1, "", chinese + "\n")


@pytest.mark.parametrize("locale, line", [
    pytest.param(None, "Slack refused SLACK_BOT_TOKEN (invalid_auth): check the token, and SLACK_API_URL if you "
                       "set it.", id="en"),
    pytest.param("zh-CN", "Slack 拒绝了 SLACK_BOT_TOKEN（invalid_auth）：请检查令牌；如设置了 SLACK_API_URL，也请一并检查。",
                 id="zh-CN"),
])
def test_serve_stops_with_one_line_when_slack_refuses_the_token(clean_env, capsys, locale, line):
    standin = SlackStandIn()
    try:
        standin.script("auth.test", body={"ok": False, "error": "invalid_auth"})
        result = serve(clean_env, capsys, {**GOOD, "SLACK_API_URL": standin.api_url}, locale)
        assert [(call.method, call.headers["Authorization"]) for call in standin.calls] == [
            ("auth.test", "Bearer xoxb-1-2-abc")]
    finally:
        standin.close()
    assert result == (1, "", line + "\n")


def test_serve_stops_with_one_line_when_slack_cannot_be_reached(clean_env, capsys):
    """Nothing listens at SLACK_API_URL: one line naming it (its wording is not fixed), no traceback."""
    dead = f"http://127.0.0.1:{free_port()}/api/"
    code, out, err = serve(clean_env, capsys, {**GOOD, "SLACK_API_URL": dead}, None)
    assert (code, out, err.count("\n"), err.endswith("\n"), "SLACK_API_URL" in err) == (1, "", 1, True, True)


@pytest.mark.parametrize("locale, line", [
    (None, "kpibot cannot listen on PORT {port} (Address already in use): stop what listens there, "
           "or set PORT to a free port."),
    ("zh-CN", "kpibot 无法监听 PORT {port}（Address already in use）：请停止占用该端口的程序，或把 PORT 设为空闲端口。"),
], ids=["en", "zh-CN"])
def test_serve_stops_with_one_line_when_its_port_is_taken(clean_env, capsys, locale, line):
    standin = SlackStandIn()
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        try:
            result = serve(clean_env, capsys, {**GOOD, "SLACK_API_URL": standin.api_url, "PORT": str(port)}, locale)
        finally:
            standin.close()
    assert result == (1, "", line.format(port=port) + "\n")
