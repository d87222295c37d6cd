"""What WeCom's callback carries, read from its XML: pure functions, no I/O.

The envelope WeCom posts:

    <xml><ToUserName>corp ID</ToUserName><Encrypt>…</Encrypt><AgentID>1000002</AgentID></xml>

and, decrypted, a text message or the click on a template card's button:

    <xml><ToUserName/><FromUserName>zhangsan</FromUserName><CreateTime>1700000000</CreateTime>
         <MsgType>text</MsgType><Content>我的数据</Content><MsgId>7123…</MsgId><AgentID>1000002</AgentID></xml>
    <xml>… <MsgType>event</MsgType><Event>template_card_event</Event><EventKey>undo:7</EventKey>
         <TaskId>…</TaskId><CardType>button_interaction</CardType><ResponseCode>…</ResponseCode> …</xml>
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

from bot.usecases.answer import command_of

MOST_BODY = 64 * 1024  # a callback is a few hundred bytes; anything far bigger is not WeCom's


class CallbackError(Exception):
    """A body that is not a callback envelope."""


@dataclass(frozen=True)
class Incoming:
    kind: str  # text, click (a template card's button), other (events kpibot does not answer)
    user: str  # FromUserName: the WeCom user ID
    key: str  # what makes it unique, against WeCom's retries: MsgId, or the event's own fields
    content: str = ""  # the text typed
    event_key: str = ""  # the button's key, e.g. undo:7
    response_code: str = ""  # for updating the card that was clicked


def encrypted_of(body: bytes) -> str:
    """The Encrypt field of an envelope; CallbackError when the body is not one."""
    if len(body) > MOST_BODY:
        raise CallbackError("too long")
    found = _fields(body).get("Encrypt", "")
    if not found:
        raise CallbackError("no Encrypt field")
    return found


def incoming(xml: str) -> Incoming:
    """The decrypted message: its kind, who sent it and what it says."""
    fields = _fields(xml.encode("utf-8"))
    user, created = fields.get("FromUserName", ""), fields.get("CreateTime", "")
    if fields.get("MsgType") == "text":
        return Incoming("text", user, f"msg:{fields.get('MsgId') or user + ':' + created}",
                        content=fields.get("Content", ""))
    if fields.get("MsgType") == "event" and fields.get("Event") == "template_card_event":
        return Incoming("click", user, f"card:{fields.get('TaskId', '')}:{user}:{created}",
                        event_key=fields.get("EventKey", ""), response_code=fields.get("ResponseCode", ""))
    return Incoming("other", user, f"event:{user}:{created}:{fields.get('Event', '')}")


def _fields(data: bytes) -> dict[str, str]:
    """The first-level fields of an <xml> document; CallbackError for anything else."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as err:
        raise CallbackError(str(err)) from None
    if root.tag != "xml":
        raise CallbackError(f"root element {root.tag!r}")
    return {child.tag: (child.text or "").strip() for child in root}


def typed(content: str) -> tuple[str, str]:
    """(command, the words after it) of a typed message. The command word may be English in any
    case or Chinese, after an optional slash, in full-width letters as a Chinese input method
    types them (／ｍｙｓｔａｔｓ); the rest is kept as typed, the parsers read full-width digits
    and punctuation themselves."""
    word, rest = (content.replace("\u3000", " ").split(None, 1) + ["", ""])[:2]
    word = unicodedata.normalize("NFKC", word).lstrip("/")
    for mark in ("?", ":", ","):  # 帮助？ or 扣分：… typed without a space
        if mark in word and word.index(mark) > 0:
            word, _, more = word.partition(mark)
            rest = f"{more} {rest}".strip()
    return command_of(word), rest.strip()
