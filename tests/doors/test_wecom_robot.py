"""The group robot against the stand-in: a long Chinese leaderboard in posts of at most 4,096
bytes that add up to it, in order; 20 posts a minute and the 21st deferred; an image with the md5
of its bytes; WeCom's refusals as the outbox reads them."""

from __future__ import annotations

import base64
import hashlib

import pytest

from bot.doors.wecom.robot import MOST_MARKDOWN, Robot, split
from bot.doors.wecom.transport import WecomError, request
from bot.outbox.deliveries import SendFailed, Undeliverable
from messages.render import render
from messages.wecom import markdown, size
from wecom_fixtures import Clock, long_board, png, standin  # noqa: F401


@pytest.fixture
def clock(standin) -> Clock:  # noqa: F811
    return Clock(standin)


@pytest.fixture
def robot(standin, clock) -> Robot:  # noqa: F811
    return Robot(standin.webhook_url(), timeout=5, clock=clock)


def board_text(places: int) -> str:
    return markdown(render("leaderboard_post", "zh-CN", **long_board(places)))


def test_a_long_chinese_leaderboard_goes_in_whole_lines_of_at_most_4096_bytes(standin, robot):  # noqa: F811
    text = board_text(400)
    assert size(text) > 3 * MOST_MARKDOWN
    parts = split(text)
    assert all(size(p) <= MOST_MARKDOWN for p in parts) and "".join(parts) == text
    assert all(p.endswith("\n") for p in parts[:-1])  # cut between lines only
    robot.post_markdown(text)
    posted = [p["markdown"]["content"] for p in standin.robot_posts]
    assert posted == parts and len(posted) >= 4 and standin.refused == []


def test_a_line_too_long_alone_is_cut_at_a_character(standin, robot):  # noqa: F811
    line = "王芳" * 1500 + "\n"  # 9,001 bytes
    text = "**排行榜**\n" + line + "完"
    parts = split(text)
    assert [size(p) for p in parts] == [14, 4095, 4095, 814] and "".join(parts) == text
    robot.post_markdown(text)
    assert "".join(p["markdown"]["content"] for p in standin.robot_posts) == text


def test_the_21st_post_in_a_minute_waits_and_goes_once_the_minute_has_passed(standin, robot, clock):  # noqa: F811
    for n in range(20):
        robot.post_markdown(f"第 {n + 1} 条")
        clock.advance(1)
    with pytest.raises(SendFailed) as deferred:
        robot.post_markdown("第 21 条")
    assert deferred.value.retry_after == pytest.approx(40)  # the first post leaves the minute then
    assert len(standin.robot_posts) == 20 and standin.refused == []
    clock.advance(40)
    robot.post_markdown("第 21 条")
    assert standin.robot_posts[-1]["markdown"]["content"] == "第 21 条" and standin.refused == []


def test_a_text_of_several_posts_waits_whole_when_the_minute_has_room_for_fewer(standin, robot):  # noqa: F811
    for n in range(18):
        robot.post_markdown(f"第 {n + 1} 条")
    with pytest.raises(SendFailed):
        robot.post_markdown(board_text(400))  # four posts or more
    assert len(standin.robot_posts) == 18


def test_an_image_goes_as_base64_with_the_md5_of_its_bytes(standin, robot):  # noqa: F811
    chart = png()
    robot.post_image(chart)
    (posted,) = standin.robot_posts
    assert base64.b64decode(posted["image"]["base64"]) == chart
    assert posted["image"]["md5"] == hashlib.md5(chart).hexdigest()


def test_the_standin_checks_what_the_robot_is_sent_as_wecom_does(standin):  # noqa: F811
    """So the tests above could fail: a wrong md5, a markdown past 4,096 bytes, a 21st post."""
    chart = png()
    wrong = {"msgtype": "image", "image": {"base64": base64.b64encode(chart).decode(), "md5": "0" * 32}}
    too_long = {"msgtype": "markdown", "markdown": {"content": "王" * 1366}}  # 4,098 bytes
    for body, errcode in ((wrong, 40035), (too_long, 40058)):
        with pytest.raises(WecomError) as refused:
            request(standin.webhook_url(), body)
        assert refused.value.errcode == errcode
    assert standin.robot_posts == []
    for _ in range(20):
        request(standin.webhook_url(), {"msgtype": "text", "text": {"content": "hi"}})
    with pytest.raises(WecomError) as limited:
        request(standin.webhook_url(), {"msgtype": "text", "text": {"content": "hi"}})
    assert limited.value.errcode == 45009


@pytest.mark.parametrize("answer, kind, retry_after", [
    ({"errcode": 45009, "errmsg": "api freq out of limit"}, SendFailed, 60.0),
    ({"errcode": -1, "errmsg": "system busy"}, SendFailed, None),
    ({"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}, Undeliverable, None),
])
def test_wecoms_refusals_are_the_outboxs_to_retry_or_give_up(standin, robot, answer, kind, retry_after):  # noqa: F811
    standin.script("webhook/send", body=answer)
    with pytest.raises(kind) as raised:
        robot.post_markdown("排行榜")
    assert getattr(raised.value, "retry_after", None) == retry_after


def test_a_robot_key_wecom_does_not_know_names_the_setting(standin, clock):  # noqa: F811
    robot = Robot(standin.webhook_url("not-our-key"), clock=clock)  # noqa: F811
    with pytest.raises(Undeliverable, match="93000.*WECOM_WEBHOOK_URL"):
        robot.post_markdown("排行榜")


def test_an_image_over_2_mb_is_refused_before_it_is_sent(standin, robot):  # noqa: F811
    with pytest.raises(Undeliverable):
        robot.post_image(b"\x89PNG\r\n\x1a\n" + bytes(2 * 1024 * 1024))
    assert standin.calls == []
