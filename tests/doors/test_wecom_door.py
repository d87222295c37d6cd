"""The WeCom door over real HTTP: callbacks sealed by wechatpy as WeCom seals them, answers and
DMs through the stand-in WeCom API. The scenario's center on Wed 4 Nov 2026 (support/scenario.py),
everyone on WeCom, reading Chinese (WeCom's default)."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from sqlmodel import func, select

from bot.store.models import Delivery, LedgerEntry, SeenMessage
from wecom_serving import wecom  # noqa: F401

NOV_4 = freeze_time("2026-11-04 10:00:00+08:00", tick=True)
RECORDED = "已为Wang Fang（A001）记录：-2 迟到。其本月得分：97。"


def contents(messages: list[dict]) -> list:
    """Each message as its text, or its template card."""
    return [m["template_card"] if m["msgtype"] == "template_card" else m[m["msgtype"]]["content"]
            for m in messages]


def ledger(wecom) -> list[tuple]:  # noqa: F811
    with wecom.session() as session:
        return [tuple(r) for r in session.exec(select(LedgerEntry.id, LedgerEntry.agent_id, LedgerEntry.points,
                                                      LedgerEntry.code, LedgerEntry.revokes_id)).all()]


# --- the URL check and refusals ------------------------------------------------------------


def test_the_url_check_answers_the_decrypted_echostr_plain(wecom):  # noqa: F811
    assert wecom.callbacks.verify("1616140317555161061") == (200, "1616140317555161061")
    assert wecom.callbacks.verify("在线验证 42") == (200, "在线验证 42")


@pytest.mark.parametrize(("tamper", "expected"), [
    ("signature", (403, "refused: signature\n")), ("ciphertext", (403, "refused: signature\n")),
    ("corp_id", (403, "refused: corp_id\n")), ("stale", (403, "refused: stale\n"))])
def test_a_url_check_that_is_not_wecoms_is_refused(wecom, tamper, expected):  # noqa: F811
    assert wecom.callbacks.verify(tamper=tamper) == expected


@NOV_4
@pytest.mark.parametrize("tamper", ["signature", "ciphertext", "corp_id", "stale"])
def test_a_tampered_message_is_refused_and_changes_nothing(wecom, tamper):  # noqa: F811
    before = ledger(wecom)
    xml = wecom.callbacks.text_message(user="xuchen", content="扣分 A001 迟到", msg_id="1", corp_id="wwkpibot0test")
    status, _ = wecom.callbacks.post(xml, tamper=tamper)
    assert wecom.bot.worker.wait_idle(10)
    assert status == 403
    assert ledger(wecom) == before and wecom.standin.of("message/send") == []
    with wecom.session() as session:
        assert session.exec(select(func.count()).select_from(SeenMessage)).one() == 0


@pytest.mark.parametrize("body", [b"", b"garbage", b"<xml><Encrypt>!!!</Encrypt></xml>", b"<html/>", b"x" * 100000])
def test_a_garbage_body_is_refused(wecom, body):  # noqa: F811
    status, text = wecom.callbacks.raw("POST", "msg_signature=0&timestamp=1&nonce=2", body)
    assert status in (400, 403) and text.startswith("refused: ")
    assert wecom.standin.of("message/send") == []


def test_anything_but_get_or_post_is_refused(wecom):  # noqa: F811
    assert wecom.callbacks.raw("PUT", "", b"") == (405, "GET or POST\n")


# --- commands -------------------------------------------------------------------------------


@NOV_4
def test_mystats_in_chinese_by_default(wecom):  # noqa: F811
    assert wecom.says("wangfang", "我的数据") == (200, "")
    (stats,) = contents(wecom.told("wangfang"))
    assert stats.startswith("**Wang Fang（A001）· Team 1 · 老员工**\n\n11月4日 周三：通话 55/60 次，通话时长 160/150 分钟\n")
    assert "2026年11月截至11月4日 周三：通话 181/1,260 次，通话时长 454/3,150 分钟" in stats
    assert stats.endswith("按达成率排名：第 1 名，共 2 人。")


@NOV_4
@pytest.mark.parametrize("typed", ["mystats", "MyStats", "/mystats", "／ｍｙｓｔａｔｓ", "我的数据"])
def test_a_command_is_read_in_either_language_and_width(wecom, typed):  # noqa: F811
    wecom.says("wangfang", typed)
    (stats,) = contents(wecom.told("wangfang"))
    assert stats.startswith("**Wang Fang（A001）")


@NOV_4
def test_a_retried_message_is_answered_once(wecom):  # noqa: F811
    """WeCom sends a message again after 5 s without an answer, three times: one answer, one entry."""
    for _ in range(4):
        assert wecom.says("xuchen", "扣分 wangfang 迟到", msg_id="7000000000000000042") == (200, "")
    assert len(wecom.told("xuchen")) == 1 and len(wecom.told("wangfang")) == 1
    assert len(ledger(wecom)) == 6  # the scenario's five, and this one


@NOV_4
def test_a_deduction_is_confirmed_on_a_card_with_undo_and_the_agent_is_told(wecom):  # noqa: F811
    wecom.says("xuchen", "扣分 @wangfang 迟到")
    entry = ledger(wecom)[-1]
    assert entry[2:] == (-2, "late", None)
    (card,) = contents(wecom.told("xuchen"))
    assert card["card_type"] == "button_interaction" and card["main_title"] == {"title": "已记录"}
    assert card["sub_title_text"] == RECORDED
    assert card["button_list"] == [{"text": "撤销", "style": 1, "key": f"undo:{entry[0]}"}]
    assert contents(wecom.told("wangfang")) == [f"**Xu Chen扣了你 2 分：迟到。你的本月得分：97。**\n"
                                                f"如需申诉，请输入：申诉 {entry[0]} 你的理由"]
    with wecom.session() as session:
        assert session.exec(select(Delivery.key, Delivery.recipient, Delivery.platform, Delivery.status)).all() == [
            (f"entry:{entry[0]}", "A001", "wecom", "sent")]


@NOV_4
def test_the_undo_button_undoes_and_greys_out_the_card(wecom):  # noqa: F811
    wecom.says("xuchen", "扣分 A001 迟到")
    entry = ledger(wecom)[-1][0]
    code = wecom.standin.click_code()
    assert wecom.clicks("xuchen", f"undo:{entry}", code) == (200, "")
    assert ledger(wecom)[-1][2:] == (0, "late", entry)
    (update,) = wecom.standin.cards
    assert update["response_code"] == code and update["button"] == {"replace_name": "已撤销"}
    assert contents(wecom.told("xuchen"))[1] == "**已撤销：Wang Fang（A001）的 -2 迟到。其本月得分：99。**"
    assert contents(wecom.told("wangfang"))[1].startswith("**Xu Chen撤销了")


@NOV_4
def test_an_agent_cannot_deduct_and_nothing_is_written(wecom):  # noqa: F811
    before = ledger(wecom)
    wecom.says("lina", "扣分 wangfang 2 说话")
    assert contents(wecom.told("lina")) == [  # markdown's brackets shown full-width, not read as a link
        "**只有班长和主管可以扣分和加分。**\n用法：/deduct @员工 分数 原因…  或  /deduct @员工 代码 ［备注…］"]
    assert ledger(wecom) == before and wecom.told("wangfang") == []


@NOV_4
def test_a_lead_acts_only_on_their_own_team(wecom):  # noqa: F811
    before = ledger(wecom)
    wecom.says("xuchen", "扣分 zhaolei 迟到")  # Zhao Lei is on Team 2
    (refusal,) = contents(wecom.told("xuchen"))
    assert "Zhao Lei" in refusal and ledger(wecom) == before


@NOV_4
def test_someone_not_on_the_roster_is_told_whom_to_ask_in_chinese(wecom):  # noqa: F811
    wecom.standin.users.add("stranger")
    wecom.says("stranger", "mystats")
    (said,) = contents(wecom.told("stranger"))
    assert "你还不在 kpibot 的花名册中" in said and "stranger" in said


@NOV_4
def test_an_unknown_command_lists_what_is_understood(wecom):  # noqa: F811
    wecom.says("wangfang", "hello")
    (said,) = contents(wecom.told("wangfang"))
    assert "hello" in said and "mystats" in said


@NOV_4
def test_other_events_get_no_answer(wecom):  # noqa: F811
    xml = ("<xml><ToUserName>wwkpibot0test</ToUserName><FromUserName>wangfang</FromUserName>"
           "<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>enter_agent</Event></xml>")
    assert wecom.callbacks.post(xml) == (200, "")
    assert wecom.bot.worker.wait_idle(10) and wecom.standin.of("message/send") == []


@NOV_4
def test_when_wecom_refuses_the_answer_the_entry_and_the_agents_dm_are_kept(wecom):  # noqa: F811
    """The lead's card is refused (no trusted IP yet): the entry stands, Wang Fang is still told."""
    wecom.standin.script("message/send", 200, {"errcode": 60020, "errmsg": "not allow to access from your ip"})
    wecom.says("xuchen", "扣分 A001 迟到")
    assert ledger(wecom)[-1][2:] == (-2, "late", None)
    assert wecom.told("xuchen") == []
    assert contents(wecom.told("wangfang")) == ["**Xu Chen扣了你 2 分：迟到。你的本月得分：97。**\n如需申诉，请输入：申诉 6 你的理由"]


@NOV_4
def test_the_leaderboard_teamstats_and_help_in_chinese(wecom):  # noqa: F811
    wecom.says("wangfang", "排行榜")
    wecom.says("xuchen", "班组数据 昨天")
    wecom.says("lina", "帮助")
    (board,) = contents(wecom.told("wangfang"))
    (team,) = contents(wecom.told("xuchen"))
    (helped,) = contents(wecom.told("lina"))
    # the indents kept as no-break spaces
    assert board == ("**2026年11月排行榜（按达成率）**\n\xa01. Wang Fang · Team 1 · 14.4%\n\xa02. Li Na · Team 1 · 8.7%\n\n"
                     "你：第 1 名，共 2 人，14.4%。")
    assert team.split("\n")[0] == "**Team 1，11月3日 周二：2 人中 0 人达成当日基本量。**"
    assert "Li Na（A002）：还差 10 次、20 分钟" in team and "Wang Fang（A001）：还差 6 分钟" in team
    assert helped.startswith("**我能听懂这些：**") and "/deduct" not in helped  # an agent's help: no deduct


@NOV_4
def test_an_appeal_and_its_decision_are_typed_in_chinese(wecom):  # noqa: F811
    """WeCom has no forms: the DM names the command to type, with the entry's number and a reason."""
    wecom.says("xuchen", "扣分 A001 chat")
    entry = ledger(wecom)[-1][0]
    (told,) = contents(wecom.told("wangfang"))
    assert told.endswith(f"如需申诉，请输入：申诉 {entry} 你的理由")
    wecom.says("wangfang", f"申诉 {entry} 客户问的是培训课程")
    assert contents(wecom.told("wangfang"))[1] == (f"**你对11月4日 2 分 与客户聊天、讲与工作无关的事的申诉已提交给Ma Jun。"
                                                   "处理结果会通知你。**")
    (asked,) = contents(wecom.told("majun"))  # a card: Accept is a button, a rejection needs its reason typed
    assert asked["main_title"] == {"title": "待你处理"}
    assert asked["sub_title_text"].endswith(f"接受申诉（撤销该记录）：接受申诉 {entry}   驳回：驳回 {entry} 理由")
    assert asked["button_list"] == [{"text": "接受申诉", "style": 1, "key": f"accept:{entry}"}]
    wecom.says("majun", f"驳回 {entry}")
    assert contents(wecom.told("majun"))[1].startswith("**请在记录号后写明理由。**")
    wecom.says("majun", f"驳回 {entry} 工作时间请勿闲聊")
    assert contents(wecom.told("wangfang"))[2].startswith("**Ma Jun驳回了你对11月4日 2 分 与客户聊天")
    assert contents(wecom.told("xuchen"))[-1].startswith("**Ma Jun驳回了Wang Fang对你所记")
    assert ledger(wecom)[-2:] == [(entry + 1, ledger(wecom)[-1][1], 0, "chat", None),
                                  (entry + 2, ledger(wecom)[-1][1], 0, "chat", None)]


@NOV_4
def test_a_large_deduction_waits_and_the_manager_approves_it_by_typing(wecom):  # noqa: F811
    wecom.says("xuchen", "扣分 A001 missed")
    entry = ledger(wecom)[-1][0]
    (card,) = contents(wecom.told("xuchen"))
    assert "待审批" in card["sub_title_text"]
    (asked,) = contents(wecom.told("majun"))
    assert asked["sub_title_text"].endswith(f"批准：批准 {entry}   不批准：不批准 {entry} 理由")
    assert asked["button_list"] == [{"text": "批准", "style": 1, "key": f"approve:{entry}"}]
    wecom.says("xuchen", f"批准 {entry}")  # the lead who recorded it cannot
    assert contents(wecom.told("xuchen"))[-1] == "**只有主管或管理员可以审批扣分、处理申诉。**\n用法：approve 记录号"
    code = wecom.standin.click_code()
    assert wecom.clicks("majun", f"approve:{entry}", code) == (200, "")
    assert contents(wecom.told("majun"))[1].startswith("**已批准：Wang Fang（A001）的 10 分 换班手续不齐造成脱班 生效。")
    (update,) = wecom.standin.cards
    assert update["response_code"] == code and update["button"] == {"replace_name": "已批准"}
    assert contents(wecom.told("wangfang"))[-1].endswith(f"如需申诉，请输入：申诉 {entry} 你的理由")
    wecom.says("majun", f"批准 {entry}")
    assert contents(wecom.told("majun"))[-1].startswith("**该记录不在待审批状态。**")


@NOV_4
def test_the_third_late_offers_the_absence_on_the_card_and_its_button_records_it(wecom):  # noqa: F811
    wecom.says("xuchen", "扣分 A001 迟到")
    wecom.says("xuchen", "扣分 A001 迟到")  # Wang Fang was late on 3 Nov too: the third
    entry = ledger(wecom)[-1][0]
    card = contents(wecom.told("xuchen"))[-1]
    assert card["button_list"] == [{"text": "撤销", "style": 1, "key": f"undo:{entry}"},
                                   {"text": "记录旷工", "style": 1, "key": "deduct:A001 absence"}]
    assert wecom.clicks("xuchen", "deduct:A001 absence", wecom.standin.click_code()) == (200, "")
    assert ledger(wecom)[-1][2:] == (-10, "absence", None)
    assert wecom.clicks("xuchen", "mystats:", wecom.standin.click_code()) == (200, "")  # not a button of kpibot's
    assert len(ledger(wecom)) == entry + 1
