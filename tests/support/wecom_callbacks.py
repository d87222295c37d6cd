"""Callbacks to kpibot's /wecom/callback built as WeCom builds them, sealed and signed by wechatpy
(an implementation apart from kpibot's own envelope), and sent over real HTTP.

The URL check, when an admin saves the callback URL; the answer is the plain echostr:

    GET /wecom/callback?msg_signature=S&timestamp=T&nonce=N&echostr=E   (E: the sealed echostr)

A message or an event; the answer is empty or a sealed reply:

    POST /wecom/callback?msg_signature=S&timestamp=T&nonce=N
    <xml><ToUserName><![CDATA[corp ID]]></ToUserName><Encrypt><![CDATA[E]]></Encrypt>
    <AgentID><![CDATA[1000002]]></AgentID></xml>

Inside E, a text message (`text_message`):

    <xml><ToUserName><![CDATA[corp ID]]></ToUserName><FromUserName><![CDATA[UserID]]></FromUserName>
    <CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType>
    <Content><![CDATA[/mystats]]></Content><MsgId>4561255354251345929</MsgId><AgentID>1000002</AgentID></xml>

or a button of a template card pressed (`card_event`):

    <xml><ToUserName>…</ToUserName><FromUserName>…</FromUserName><CreateTime>…</CreateTime>
    <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>
    <EventKey><![CDATA[the button's key]]></EventKey><TaskId><![CDATA[the card's task_id]]></TaskId>
    <CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[…]]></ResponseCode>
    <AgentID>1000002</AgentID></xml>
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from itertools import count
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from wechatpy.enterprise.crypto import WeChatCrypto

TOKEN = "kpibotCallbackToken"
AES_KEY = "a0KpibotTestEncodingAESKey0123456789abcdefA"  # 43 characters
CORP_ID = "ww1234567890abcdef"
OTHER_CORP_ID = "wwfedcba0987654321"
TAMPERS = (None, "signature", "ciphertext", "corp_id", "stale")
BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_nonces = count(1372623149)


class WecomCallbacks:
    def __init__(self, base_url: str, *, token: str, aes_key: str, corp_id: str, agent_id: str = "1000002"):
        self.url = base_url.rstrip("/") + "/wecom/callback"
        self.token, self.aes_key, self.corp_id, self.agent_id = token, aes_key, corp_id, agent_id

    def verify(self, echostr: str = "1616140317555161061", *, timestamp: int | None = None,
               tamper: str | None = None) -> tuple[int, str]:
        """The URL check WeCom makes when the callback is saved: (status, body)."""
        query = self._sealed(echostr, timestamp, tamper)
        query["echostr"] = query.pop("encrypted")
        return self.raw("GET", urlencode(query), b"")

    def post(self, xml: str, *, timestamp: int | None = None, tamper: str | None = None) -> tuple[int, str]:
        """`xml` (a decrypted message or event) sealed into WeCom's envelope and POSTed: (status, body).

        tamper: "signature" (one hex digit changed), "ciphertext" (one base64 character changed,
        the signature of the original kept), "corp_id" (sealed for another corp, whose ID only the
        envelope carries), "stale" (a timestamp ten minutes old); None sends it as it is."""
        query = self._sealed(xml, timestamp, tamper)
        body = (f"<xml><ToUserName>{_cdata(self.corp_id)}</ToUserName>"
                f"<Encrypt>{_cdata(query.pop('encrypted'))}</Encrypt>"
                f"<AgentID>{_cdata(self.agent_id)}</AgentID></xml>")
        return self.raw("POST", urlencode(query), body.encode("utf-8"))

    def raw(self, method: str, query: str, body: bytes) -> tuple[int, str]:
        """Any request to the callback URL, say with a body no WeCom would send."""
        request = Request(f"{self.url}?{query}", data=body or None, method=method,
                          headers={"Content-Type": "text/xml"} if body else {})
        try:
            with urlopen(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except HTTPError as err:
            return err.code, err.read().decode("utf-8")

    def _sealed(self, message: str, timestamp: int | None, tamper: str | None) -> dict[str, str]:
        """msg_signature, timestamp, nonce and the encrypted message, tampered with as asked."""
        if tamper not in TAMPERS:
            raise ValueError(f"tamper is one of {TAMPERS}, not {tamper!r}")
        stamp = int(time.time()) if timestamp is None else timestamp
        stamp, nonce = str(stamp - 600 if tamper == "stale" else stamp), str(next(_nonces))
        corp_id = OTHER_CORP_ID if tamper == "corp_id" else self.corp_id
        sent = ET.fromstring(WeChatCrypto(self.token, self.aes_key, corp_id).encrypt_message(message, nonce, stamp))
        signature, encrypted = sent.findtext("MsgSignature"), sent.findtext("Encrypt")
        if tamper == "signature":
            signature = _changed(signature, len(signature) // 2, "0123456789abcdef")
        if tamper == "ciphertext":
            encrypted = _changed(encrypted, len(encrypted) // 2, BASE64)
        return {"msg_signature": signature, "timestamp": stamp, "nonce": nonce, "encrypted": encrypted}

    @staticmethod
    def text_message(*, user: str, content: str, msg_id: str, agent_id: str = "1000002",
                     created: int | None = None, corp_id: str = CORP_ID) -> str:
        """The decrypted XML of a text message `user` sent the app."""
        return (f"<xml>{_head(corp_id, user, created)}<MsgType><![CDATA[text]]></MsgType>"
                f"<Content>{_cdata(content)}</Content><MsgId>{msg_id}</MsgId><AgentID>{agent_id}</AgentID></xml>")

    @staticmethod
    def card_event(*, user: str, event_key: str, task_id: str, response_code: str, agent_id: str = "1000002",
                   created: int | None = None, corp_id: str = CORP_ID) -> str:
        """The decrypted XML of `user` pressing the button `event_key` of the card `task_id`."""
        return (f"<xml>{_head(corp_id, user, created)}<MsgType><![CDATA[event]]></MsgType>"
                f"<Event><![CDATA[template_card_event]]></Event><EventKey>{_cdata(event_key)}</EventKey>"
                f"<TaskId>{_cdata(task_id)}</TaskId><CardType><![CDATA[button_interaction]]></CardType>"
                f"<ResponseCode>{_cdata(response_code)}</ResponseCode><AgentID>{agent_id}</AgentID></xml>")


def _head(corp_id: str, user: str, created: int | None) -> str:
    created = int(time.time()) if created is None else created
    return (f"<ToUserName>{_cdata(corp_id)}</ToUserName><FromUserName>{_cdata(user)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime>")


def _cdata(text: str) -> str:
    """`text` as CDATA, split where it holds "]]>" (which would end the section early)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _changed(text: str, at: int, alphabet: str) -> str:
    """`text` with the character at `at` replaced by the next one of `alphabet`."""
    return text[:at] + alphabet[(alphabet.index(text[at]) + 1) % len(alphabet)] + text[at + 1:]
