"""A center on Slack and WeCom at once: each person gets each message once, on their own
platform (the one whose user ID the roster gives them, Slack first); running a round again sends
nothing twice on either; jobs status names the platform a message waits for.

The rounds' world (support/rounds_world.py) with WeCom set up beside Slack: Beta (Sun Li, Zhou
Min, Wu Gang) and Liu Yang work in WeCom; Wang Fang has both IDs and stays on Slack."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, select

from bot.config.center import open_center
from bot.store import queries
from bot.store.models import Delivery
from messages.wecom import markdown
from rounds_world import TOKEN, kpibot, posts_per_key, world  # noqa: F401
from test_rounds_morning import DIGESTS, NUDGES
from wecom_fixtures import app_settings
from wecom_standin import WecomStandIn

MONDAY = date(2026, 11, 23)
ON_WECOM = {"L02": "sunli", "A006": "zhoumin", "A007": "wugang", "A005": "liuyang"}


@pytest.fixture
def both(world):  # noqa: F811
    standin = WecomStandIn(users=[*ON_WECOM.values(), "wangfang"])
    with Session(world.engine) as session:
        for employee_id, user in {**ON_WECOM, "A001": "wangfang"}.items():
            agent = queries.agent_by_employee_id(session=session, employee_id=employee_id)
            agent.wecom_user_id = user
            if employee_id != "A001":
                agent.slack_user_id = None
            session.add(agent)
        session.commit()
    world.settings = replace(world.settings, wecom=app_settings(standin))
    world.center = open_center(world.settings)
    world.wecom = standin
    yield world
    standin.close()


def platforms_of(world) -> dict[str, tuple[str, str]]:  # noqa: F811
    """Each delivery: key -> (platform, status)."""
    with Session(world.engine) as session:
        return {d.key: (d.platform, d.status) for d in session.exec(select(Delivery)).all()}


def wecom_texts(standin: WecomStandIn) -> Counter:
    return Counter((user, m["markdown"]["content"]) for user, messages in standin.received.items()
                   for m in messages)


def test_each_person_gets_the_morning_once_on_their_own_platform(both):
    both.finds_chen_jing()
    report = both.morning(MONDAY)
    assert (report.queued, report.outcome.pending, report.outcome.failed) == (9, [], [])
    where = platforms_of(both)
    assert {key for key, (platform, _) in where.items() if platform == "wecom"} == {
        "morning:2026-11-23:A005", "morning:2026-11-23:A006", "morning:2026-11-23:A007", "digest:2026-11-23:L02"}
    assert {status for _, status in where.values()} == {"sent"}
    slack_keys = {key for key, (platform, _) in where.items() if platform == "slack"}
    assert posts_per_key(both.standin) == Counter({key: 1 for key in slack_keys})
    received = wecom_texts(both.wecom)
    assert received[("zhoumin", markdown(NUDGES["A006"]))] == 1
    assert received[("sunli", markdown(DIGESTS["L02"]))] == 1
    assert received[("wugang", markdown(NUDGES["A007"]))] == 0  # Wu Gang reads Chinese on WeCom now
    assert sorted(user for user, _ in received.elements()) == ["liuyang", "sunli", "wugang", "zhoumin"]
    assert both.wecom.received["liuyang"][0]["markdown"]["content"].startswith("**Liu Yang，")


def test_a_round_run_again_sends_nothing_on_either_platform(both):
    both.finds_chen_jing()
    both.morning(MONDAY)
    slack_calls, wecom_calls = len(both.standin.calls), len(both.wecom.of("message/send"))
    again = both.morning(MONDAY)
    assert again.state == "done_before"
    assert (len(both.standin.calls), len(both.wecom.of("message/send"))) == (slack_calls, wecom_calls)


def test_the_month_end_post_goes_to_each_platforms_channel_once(both):
    both.finds_chen_jing()
    report = both.month_end("2026-11")
    assert report.outcome.pending == [] and report.outcome.failed == []
    where = platforms_of(both)
    for channel in ("#robot", "#C0LEADERS"):
        assert where[f"month-end:2026-11:{channel}"] == where[f"month-end:2026-11:{channel}:chart"] == (
            "wecom" if channel == "#robot" else "slack", "sent")
    robot = both.wecom.robot_posts
    assert sorted(post["msgtype"] for post in robot) == ["image", "markdown", "markdown"]  # post, chart's caption, chart
    assert any(p["markdown"]["content"].startswith("**排行榜") or p["markdown"]["content"].startswith("**Leaderboard")
               for p in robot if p["msgtype"] == "markdown")
    both.month_end("2026-11")
    assert both.wecom.robot_posts == robot  # nothing posted twice


def test_jobs_status_names_the_platform_a_message_waits_for(both, kpibot):  # noqa: F811
    for _ in range(20):
        both.wecom.script("message/send", 500)
    both.finds_chen_jing()
    report = both.morning(MONDAY)
    assert sorted(report.outcome.pending) == ["digest:2026-11-23:L02", "morning:2026-11-23:A005",
                                              "morning:2026-11-23:A006", "morning:2026-11-23:A007"]
    kpibot.env(WECOM_CORP_ID=both.settings.wecom.corp_id, WECOM_AGENT_ID=both.settings.wecom.agent_id,
               WECOM_SECRET=both.settings.wecom.secret, WECOM_API_URL=both.settings.wecom.api_url)
    code, out, err = kpibot("jobs", "status")
    assert (code, err) == (0, "")
    assert "  morning:2026-11-23:A006 → A006 on WeCom" in out
    assert "on Slack" not in out.split("Last runs:")[0]
