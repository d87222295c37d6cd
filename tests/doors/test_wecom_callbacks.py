"""The WeCom callbacks the door's tests send (tests/support/wecom_callbacks.py), caught by a
loopback server that records them: what they carry opens with kpibot's envelope and wechatpy's,
and each way of tampering trips the check it is named for."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.doors.wecom.envelope import Envelope, EnvelopeError
from wecom_callbacks import AES_KEY, CORP_ID, TOKEN, WecomCallbacks

ENVELOPE = Envelope(token=TOKEN, aes_key=AES_KEY, corp_id=CORP_ID)
TAMPERED = [("signature", "signature"), ("ciphertext", "signature"), ("corp_id", "corp_id"), ("stale", "stale")]


class Recorder(BaseHTTPRequestHandler):
    """Keeps each GET and POST as (method, path, query, body) and answers 200 with the body."""

    def do_GET(self):
        self._record(b"")

    def do_POST(self):
        self._record(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def _record(self, body: bytes) -> None:
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        self.server.requests.append((self.command, url.path, query, body.decode("utf-8")))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def wecom(server):
    return WecomCallbacks(f"http://127.0.0.1:{server.server_address[1]}/", token=TOKEN, aes_key=AES_KEY,
                          corp_id=CORP_ID)


def opened(query: dict[str, str], encrypted: str) -> str:
    return ENVELOPE.open(signature=query["msg_signature"], timestamp=query["timestamp"], nonce=query["nonce"],
                         encrypted=encrypted, now=time.time())


def test_the_url_check_carries_the_sealed_echostr(server, wecom):
    assert wecom.verify("8473625109") == (200, "")
    method, path, query, body = server.requests[-1]
    assert (method, path, sorted(query), body) == ("GET", "/wecom/callback",
                                                   ["echostr", "msg_signature", "nonce", "timestamp"], "")
    assert opened(query, query["echostr"]) == "8473625109"


def test_a_message_is_posted_in_wecoms_envelope(server, wecom):
    xml = WecomCallbacks.text_message(user="zhangsan", content="/mystats", msg_id="4561255354251345929")
    status, answer = wecom.post(xml, timestamp=1409659813)
    method, path, query, body = server.requests[-1]
    envelope = ET.fromstring(body)
    assert (status, answer, method, path) == (200, body, "POST", "/wecom/callback")
    assert [(e.tag, e.text) for e in envelope if e.tag != "Encrypt"] == [("ToUserName", CORP_ID),
                                                                         ("AgentID", "1000002")]
    assert query["timestamp"] == "1409659813"
    assert WeChatCrypto(TOKEN, AES_KEY, CORP_ID).decrypt_message(
        body, query["msg_signature"], query["timestamp"], query["nonce"]) == xml
    with pytest.raises(EnvelopeError, match="stale"):  # 1409659813 is long gone
        opened(query, envelope.findtext("Encrypt"))


def test_a_message_sent_now_opens(server, wecom):
    xml = WecomCallbacks.card_event(user="lisi", event_key="undo:42", task_id="kpibot-7", response_code="rc")
    wecom.post(xml)
    _, _, query, body = server.requests[-1]
    assert opened(query, ET.fromstring(body).findtext("Encrypt")) == xml


@pytest.mark.parametrize("tamper, reason", TAMPERED)
def test_each_tampered_url_check_trips_its_check(server, wecom, tamper, reason):
    wecom.verify(tamper=tamper)
    query = server.requests[-1][2]
    with pytest.raises(EnvelopeError) as refused:
        opened(query, query["echostr"])
    assert refused.value.reason == reason


@pytest.mark.parametrize("tamper, reason", TAMPERED)
def test_each_tampered_message_trips_its_check(server, wecom, tamper, reason):
    wecom.post(WecomCallbacks.text_message(user="zhangsan", content="hi", msg_id="1"), tamper=tamper)
    _, _, query, body = server.requests[-1]
    with pytest.raises(EnvelopeError) as refused:
        opened(query, ET.fromstring(body).findtext("Encrypt"))
    assert refused.value.reason == reason


def test_a_text_message_has_wecoms_fields():
    xml = WecomCallbacks.text_message(user="zhangsan", content="今天 ]]> 42", msg_id="77", created=1409659813,
                                      agent_id="1000003")
    assert {e.tag: e.text for e in ET.fromstring(xml)} == {
        "ToUserName": CORP_ID, "FromUserName": "zhangsan", "CreateTime": "1409659813", "MsgType": "text",
        "Content": "今天 ]]> 42", "MsgId": "77", "AgentID": "1000003"}


def test_a_card_event_has_wecoms_fields():
    xml = WecomCallbacks.card_event(user="lisi", event_key="undo:42", task_id="kpibot-7", response_code="rc",
                                    created=1409659813)
    assert {e.tag: e.text for e in ET.fromstring(xml)} == {
        "ToUserName": CORP_ID, "FromUserName": "lisi", "CreateTime": "1409659813", "MsgType": "event",
        "Event": "template_card_event", "EventKey": "undo:42", "TaskId": "kpibot-7",
        "CardType": "button_interaction", "ResponseCode": "rc", "AgentID": "1000002"}


def test_raw_sends_what_it_is_given_and_returns_refusals_too(server, wecom):
    assert wecom.raw("POST", "msg_signature=x", b"<xml>") == (200, "<xml>")
    assert server.requests[-1][1:] == ("/wecom/callback", {"msg_signature": "x"}, "<xml>")
    assert wecom.raw("DELETE", "", b"")[0] == 501  # http.server's answer to a method it has no handler for
