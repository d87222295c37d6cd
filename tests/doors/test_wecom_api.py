"""WeCom's server API against its stand-in over HTTP, on a migrated database: one access token for
every process, renewed once when WeCom ends it early, by one process at a time; a wrong corp ID
or secret names the setting; invalid users come back; no answer is its own error."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.config.settings import SettingsError
from bot.doors.wecom import tokens
from bot.doors.wecom.api import WecomApi, WecomError, WecomTransportError
from bot.store.db import make_engine
from bot.store.models import AccessToken
from messages.render import describe
from wecom_fixtures import api, app_settings, standin  # noqa: F401

TEXT = {"msgtype": "text", "text": {"content": "早上好"}}


def row(engine) -> AccessToken:
    with Session(engine) as session:
        return session.exec(select(AccessToken).where(AccessToken.platform == "wecom")).one()


def tokens_used(standin) -> list[str]:  # noqa: F811
    return [c.query["access_token"] for c in standin.of("message/send")]


def test_a_token_is_fetched_once_and_shared_by_two_apis_on_one_database(standin, api, engine):  # noqa: F811
    other = WecomApi(settings=app_settings(standin), engine=make_engine(str(engine.url)))
    assert api.send(["wangfang"], TEXT) == []
    assert other.send(["lina"], TEXT) == []
    assert len(standin.of("gettoken")) == 1
    assert tokens_used(standin) == [standin.token, standin.token]
    stored = row(engine)
    assert stored.token == standin.token and stored.renewing_until is None
    assert timedelta(seconds=7100) < stored.expires_at - datetime.now(UTC) <= timedelta(seconds=7200)
    assert [m["text"]["content"] for m in standin.received["lina"]] == ["早上好"]


@pytest.mark.parametrize("end, errcode", [("revoke", 40014), ("expire", 42001)])
def test_a_token_ended_in_use_is_renewed_once_and_the_call_goes_through(standin, api, engine, end, errcode):  # noqa: F811
    api.send(["wangfang"], TEXT)
    first = standin.token
    getattr(standin, end)()
    assert api.send(["wangfang"], TEXT) == []
    assert len(standin.of("gettoken")) == 2 and standin.token != first
    assert tokens_used(standin) == [first, first, standin.token]
    assert standin.refused == [("message/send", errcode)]
    assert len(standin.received["wangfang"]) == 2 and row(engine).token == standin.token


def test_a_token_turned_down_again_once_renewed_is_an_error_not_a_loop(standin, api):  # noqa: F811
    refusal = {"errcode": 40014, "errmsg": "invalid access_token"}
    standin.script("message/send", body=refusal)
    standin.script("message/send", body=refusal)
    with pytest.raises(WecomError) as raised:
        api.send(["wangfang"], TEXT)
    assert raised.value.errcode == 40014
    assert (len(standin.of("gettoken")), len(standin.of("message/send"))) == (2, 2)


def test_a_token_near_its_end_is_renewed_before_use_and_the_same_one_back_is_kept(standin, engine):  # noqa: F811
    """WeCom gives the same token back while it lives: kpibot keeps using it rather than asking
    again on every call, until WeCom turns it down."""
    later = {"now": datetime.now(UTC)}
    api = WecomApi(settings=app_settings(standin), engine=engine, clock=lambda: later["now"])  # noqa: F811
    api.send(["wangfang"], TEXT)
    later["now"] += timedelta(seconds=7000)  # 200 s left: inside the five minutes' margin
    standin.advance(7000)
    api.send(["wangfang"], TEXT)
    api.send(["wangfang"], TEXT)
    assert len(standin.of("gettoken")) == 2 and len(set(tokens_used(standin))) == 1
    standin.advance(200)  # now WeCom says it expired: a new one, once
    api.send(["wangfang"], TEXT)
    assert len(standin.of("gettoken")) == 3 and len(set(tokens_used(standin))) == 2
    assert standin.refused == [("message/send", 42001)]


def test_two_threads_renewing_at_once_fetch_one_token(standin, engine):  # noqa: F811
    """The first claims the row and fetches; the second finds the claim, waits for the row to
    change, and uses the token the first wrote."""
    waited = threading.Event()

    def sleep(seconds: float) -> None:
        waited.set()
        time.sleep(seconds)

    first = WecomApi(settings=app_settings(standin), engine=engine)
    second = WecomApi(settings=app_settings(standin), engine=make_engine(str(engine.url)), sleep=sleep)
    fetching = standin.hold("gettoken")
    answers: list = []
    threads = [threading.Thread(target=lambda a=a, u=u: answers.append(a.send([u], TEXT)))
               for a, u in ((first, "wangfang"), (second, "lina"))]
    threads[0].start()
    _until(lambda: len(standin.of("gettoken")) == 1)
    threads[1].start()
    assert waited.wait(5)
    fetching.set()
    for thread in threads:
        thread.join(10)
    assert answers == [[], []]
    assert len(standin.of("gettoken")) == 1 and tokens_used(standin) == [standin.token] * 2


@pytest.mark.postgres
def test_two_processes_renewing_at_once_on_postgresql_fetch_one_token(standin, own_pg):  # noqa: F811
    engines = [make_engine(own_pg.url) for _ in range(4)]
    apis = [WecomApi(settings=app_settings(standin), engine=e) for e in engines]
    start, answers = threading.Barrier(4), []

    def send(api: WecomApi) -> None:  # noqa: F811
        start.wait()
        answers.append(api.send(["wangfang"], TEXT))

    threads = [threading.Thread(target=send, args=(a,)) for a in apis]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    for e in engines:
        e.dispose()
    assert answers == [[]] * 4 and len(standin.of("gettoken")) == 1


def test_a_claim_left_by_a_process_that_died_is_waited_out_then_taken(standin, engine):  # noqa: F811
    now = {"t": datetime.now(UTC)}

    def sleep(seconds: float) -> None:  # the claim's 30 s pass in a few polls
        now["t"] += timedelta(seconds=2)

    api = WecomApi(settings=app_settings(standin), engine=engine, clock=lambda: now["t"], sleep=sleep)  # noqa: F811
    tokens.read(engine=engine, platform="wecom")
    assert tokens.claim(engine=engine, platform="wecom", seen=None, now=now["t"])
    assert api.send(["wangfang"], TEXT) == []
    assert len(standin.of("gettoken")) == 1 and row(engine).renewing_until is None


@pytest.mark.parametrize("setting, variable, errcode", [
    ({"secret": "not-the-secret"}, "WECOM_SECRET", 40001),
    ({"corp_id": "ww-somebody-else"}, "WECOM_CORP_ID", 40013),
])
def test_a_wrong_secret_or_corp_id_says_which_setting_to_fix(standin, engine, setting, variable, errcode):  # noqa: F811
    api = WecomApi(settings=app_settings(standin, **setting), engine=engine)  # noqa: F811
    with pytest.raises(SettingsError) as raised:
        api.send(["wangfang"], TEXT)
    problem = raised.value
    assert problem.fields["variable"] == variable
    for locale in ("en", "zh-CN"):
        said = describe(problem, locale)
        assert variable in said and str(errcode) in said
    assert row(engine).renewing_until is None and row(engine).token is None  # no claim left behind
    assert standin.of("message/send") == []


def test_a_renewal_without_an_answer_leaves_no_claim_and_the_next_call_renews(standin, api, engine):  # noqa: F811
    standin.script("gettoken", status=502)
    with pytest.raises(WecomTransportError) as raised:
        api.send(["wangfang"], TEXT)
    assert (raised.value.reason, raised.value.timed_out) == ("HTTP 502", False)
    assert row(engine).renewing_until is None
    assert api.send(["wangfang"], TEXT) == [] and len(standin.of("gettoken")) == 2


def test_users_wecom_does_not_know_come_back_lowercased_and_the_others_are_sent(standin, api):  # noqa: F811
    assert api.send(["WangFang", "Ghost", "nobody"], TEXT) == ["ghost", "nobody"]
    assert list(standin.received) == ["wangfang"]
    assert api.send(["Ghost"], TEXT) == ["ghost"]  # none known: WeCom's 81013, the same answer
    assert standin.refused == [("message/send", 81013)]
    with pytest.raises(ValueError):
        api.send([f"u{n}" for n in range(1001)], TEXT)


def test_a_card_is_updated_once_with_its_response_code(standin, api):  # noqa: F811
    card = {"msgtype": "template_card", "template_card": {
        "card_type": "button_interaction", "main_title": {"title": "扣分确认"}, "task_id": "entry-27",
        "button_list": [{"text": "撤销", "key": "undo:27"}]}}
    code = api.call("message/send", {"touser": "xuchen", "agentid": 1000002, **card})["response_code"]
    api.update_card(code, {"button": {"replace_name": "已撤销"}})
    assert standin.cards[0]["atall"] == 1 and standin.cards[0]["button"] == {"replace_name": "已撤销"}
    with pytest.raises(WecomError) as raised:
        api.update_card(code, {"button": {"replace_name": "已撤销"}})
    assert raised.value.errcode == 40035


def test_a_send_that_times_out_says_so(standin, engine):  # noqa: F811
    api = WecomApi(settings=app_settings(standin), engine=engine, timeout=0.3)  # noqa: F811
    api.token()
    standin.hold("message/send")
    with pytest.raises(WecomTransportError) as raised:
        api.send(["wangfang"], TEXT)
    assert raised.value.timed_out


def _until(condition, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)
