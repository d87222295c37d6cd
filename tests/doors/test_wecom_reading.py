"""Reading what WeCom's callback carries: the envelope, the message, the words typed, and whom a
word names. Pure functions and the roster; the door itself is tested over HTTP elsewhere."""

from __future__ import annotations

import pytest

from bot.doors.wecom import directory
from bot.doors.wecom.callback import CallbackError, Incoming, encrypted_of, incoming, typed
from factories import add_agent

TEXT = """<xml><ToUserName><![CDATA[ww1234567890abcdef]]></ToUserName>
<FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1764741600</CreateTime>
<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[扣分 A001 迟到，堵车]]></Content>
<MsgId>7654321012345678901</MsgId><AgentID>1000002</AgentID></xml>"""
CLICK = """<xml><ToUserName><![CDATA[ww1234567890abcdef]]></ToUserName>
<FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1764741601</CreateTime>
<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>
<EventKey><![CDATA[undo:7]]></EventKey><TaskId><![CDATA[entry-7-ab12]]></TaskId>
<CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[RC-1]]></ResponseCode>
<AgentID>1000002</AgentID></xml>"""
ENTER = """<xml><FromUserName>lisi</FromUserName><CreateTime>1764741602</CreateTime>
<MsgType>event</MsgType><Event>enter_agent</Event></xml>"""


def test_a_text_message_is_known_by_its_msgid():
    assert incoming(TEXT) == Incoming("text", "zhangsan", "msg:7654321012345678901", content="扣分 A001 迟到，堵车")


def test_a_button_click_carries_its_key_and_the_code_to_update_its_card():
    assert incoming(CLICK) == Incoming("click", "lisi", "card:entry-7-ab12:lisi:1764741601", event_key="undo:7",
                                       response_code="RC-1")


def test_other_events_are_read_but_not_answered():
    assert incoming(ENTER).kind == "other"


def test_the_envelope_gives_its_encrypt_field():
    body = b"<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>"
    assert encrypted_of(body) == "abc+/="


@pytest.mark.parametrize("body", [b"", b"not xml", b"<xml><Encrypt></Encrypt></xml>", b"<html><Encrypt>x</Encrypt></html>",
                                  b"<xml><ToUserName>ww1</ToUserName></xml>", b"<xml>" + b"x" * 70000 + b"</xml>",
                                  "<xml><Encrypt>\u00e9".encode("latin-1")])
def test_a_body_that_is_not_an_envelope_is_refused(body):
    with pytest.raises(CallbackError):
        encrypted_of(body)


@pytest.mark.parametrize(("content", "expected"), [
    ("mystats", ("mystats", "")),
    ("  MyStats yesterday ", ("mystats", "yesterday")),
    ("/mystats 2026-11", ("mystats", "2026-11")),
    ("我的数据 昨天", ("mystats", "昨天")),
    ("／ｍｙｓｔａｔｓ", ("mystats", "")),  # full-width, as a Chinese input method types it
    ("扣分 @zhangsan 2 接电话", ("deduct", "@zhangsan 2 接电话")),
    ("扣分：A001 迟到", ("deduct", "A001 迟到")),
    ("加分\u3000A001\u3000call", ("award", "A001 call")),  # the ideographic space is a space
    ("排行榜", ("leaderboard", "")),
    ("班组数据 昨天", ("teamstats", "昨天")),
    ("撤销 7", ("undo", "7")),
    ("撤销 ７", ("undo", "７")),
    ("帮助", ("help", "")),
    ("帮助？", ("help", "")),
    ("？", ("help", "")),
    ("", ("", "")),
    ("hello there", ("hello", "there")),
])
def test_the_command_word_is_read_in_either_language_and_either_width(content, expected):
    assert typed(content) == expected


def test_a_word_names_a_wecom_user_an_employee_or_a_single_namesake(session):
    zhang = add_agent(session, "A001", name="张三", wecom_user_id="zhangsan")
    li = add_agent(session, "A002", name="李四")
    add_agent(session, "A003", name="王五")
    add_agent(session, "A004", name="王五")
    find = directory.finder(session)
    assert [find(word) for word in ("zhangsan", "@zhangsan", "＠zhangsan", "A001", "a002", "张三", "李四")] == \
        [zhang, zhang, zhang, zhang, li, zhang, li]
    assert [find(word) for word in ("王五", "@", "nobody", "")] == [None] * 4  # two 王五: say who by ID
    assert directory.find(session, "zhangsan") == zhang and directory.find(session, "lisi") is None
