"""Appeals and approvals on Slack, end to end over real signed HTTP against the Web API stand-in:
the Appeal button on a deduction's DM opens a form asking why, the manager's DM carries Accept and
Reject (or Approve and Decline), a reason is asked in a form, and /pending lists what waits, each
with its buttons. What each answer says in every case is tests/usecases/test_decisions.py.
"""

from __future__ import annotations

import json

import pytest

from said import TODAY
from slack_fixtures import serving, slack  # noqa: F401
from test_slack_commands import NOV_4, change, command, ledger, made, world  # noqa: F401


def press(slack, user: str, action: str, value: str) -> list[tuple[str, dict]]:  # noqa: F811
    since = len(slack.standin.calls)
    assert slack.requests.button(user, action, value) == (200, "")
    slack.settle()
    return made(slack, since)


def submit(slack, user: str, view: dict, reason: str | None) -> tuple[tuple[int, object], list]:  # noqa: F811
    since = len(slack.standin.calls)
    status, body = slack.requests.submit(user, view, {"reason": {"type": "plain_text_input", "value": reason}})
    slack.settle()
    return (status, json.loads(body) if body else body), made(slack, since)


def buttons(body: dict) -> list[tuple[str, str]]:
    return [(e["action_id"], e["value"]) for b in body.get("blocks") or [] if b["type"] == "actions"
            for e in b["elements"]]


def posts(calls: list) -> list[tuple[str, str]]:
    return [(body["channel"], body["text"]) for method, body in calls if method == "chat.postMessage"]


@NOV_4
def test_an_agent_appeals_from_the_dm_and_the_manager_rejects_with_a_reason(world):  # noqa: F811
    *_, told = command(world, "/deduct", "<@U001> chat", "U100")
    assert buttons(told[1]) == [("appeal_entry", "6")]
    assert "appeal 6" not in told[1]["text"]  # on Slack the button, not a command to type

    (method, opened), = press(world, "U001", "appeal_entry", "6")
    assert method == "views.open" and opened["view"]["callback_id"] == "reason_modal"
    assert opened["view"]["title"]["text"] == "Appeal"
    view = opened["view"]

    assert submit(world, "U001", view, "") == (
        (200, {"response_action": "errors", "errors": {"reason": "Give a reason after the entry's number."}}), [])
    answer, calls = submit(world, "U001", view, "the caller asked about my training")
    assert answer == (200, "")
    sent = posts(calls)
    assert sent == [
        ("DU900", "Wang Fang (A001) appeals 2 points Off-topic chat with a customer of 4 Nov, recorded by Xu Chen: "
                  "“the caller asked about my training”"),
        ("DU001", "Your appeal of 2 points Off-topic chat with a customer of 4 Nov has gone to Ma Jun. You will be "
                  "told of the decision."),  # no channel to answer in: the confirmation comes by DM
    ]
    request = next(body for method, body in calls if method == "chat.postMessage" and body["channel"] == "DU900")
    assert buttons(request) == [("accept_appeal", "6"), ("reject_appeal", "6")]
    assert ledger(world)[-1] == (7, "A001", TODAY, 0, "chat", "the caller asked about my training", "A001", None)

    (_, rejecting), = press(world, "U900", "reject_appeal", "6")
    assert rejecting["view"]["title"]["text"] == "Reject the appeal"
    answer, calls = submit(world, "U900", rejecting["view"], "personal talk waits for the break")
    assert answer == (200, "")
    assert [channel for channel, _ in posts(calls)] == ["DU001", "DU100", "DU900"]
    assert posts(calls)[0][1] == ("Ma Jun rejected your appeal of 2 points Off-topic chat with a customer of 4 Nov: "
                                  "personal talk waits for the break. It stands; your score this month: 97.")
    again = press(world, "U001", "appeal_entry", "6")
    answer, calls = submit(world, "U001", again[0][1]["view"], "once more")
    assert answer[1]["errors"]["reason"].startswith("That entry has been appealed already")


@NOV_4
def test_accept_needs_no_reason_and_replaces_the_dm_with_its_confirmation(world):  # noqa: F811
    command(world, "/deduct", "<@U001> late", "U100")
    (_, opened), = press(world, "U001", "appeal_entry", "6")
    submit(world, "U001", opened["view"], "the badge reader was down")
    pressed, *told = press(world, "U900", "accept_appeal", "6")
    assert pressed[0] == "respond" and pressed[1]["replace_original"] is True
    assert pressed[1]["text"] == ("Appeal accepted: 2 points Late of 4 Nov for Wang Fang (A001) is revoked. Their "
                                  "score this month: 99; they have been told.")
    assert [channel for channel, _ in posts(told)] == ["DU001", "DU100"]
    assert press(world, "U900", "accept_appeal", "6")[0][1]["text"] == "That entry is already undone.\nUsage: accept ENTRY [NOTE…]"


@NOV_4
def test_a_lead_pressing_a_managers_button_is_refused_and_nothing_changes(world):  # noqa: F811
    command(world, "/deduct", "<@U001> missed", "U100")
    before = ledger(world)
    (method, body), = press(world, "U100", "approve_entry", "6")
    assert body["text"].startswith("Only a manager or an admin approves deductions")
    assert ledger(world) == before


@NOV_4
def test_decline_asks_why_in_a_form(world):  # noqa: F811
    command(world, "/deduct", "<@U001> missed", "U100")
    (_, opened), = press(world, "U900", "decline_entry", "6")
    assert opened["view"]["title"]["text"] == "Decline the deduction"
    answer, calls = submit(world, "U900", opened["view"], "the swap form was signed")
    assert answer == (200, "")
    assert [channel for channel, _ in posts(calls)] == ["DU001", "DU100", "DU900"]
    assert ledger(world)[-1][-1] == 6  # a revocation of entry 6


@NOV_4
def test_pending_lists_what_waits_with_its_buttons(world):  # noqa: F811
    command(world, "/deduct", "<@U001> missed", "U100")
    command(world, "/deduct", "<@U002> late", "U100")
    (_, opened), = press(world, "U002", "appeal_entry", "7")
    submit(world, "U002", opened["view"], "I was on a call")
    (method, body), = command(world, "/pending", "", "U900")
    assert method == "respond"
    assert buttons(body) == [("approve_entry", "6"), ("decline_entry", "6"), ("accept_appeal", "7"),
                             ("reject_appeal", "7")]
    assert body["text"].startswith("Waiting for your decision:\n  #6 -10 Missed a shift through a bad swap")
    (method, body), = command(world, "/pending", "", "U100")
    assert body["text"] == "Only a manager or an admin approves deductions and decides appeals."


@pytest.mark.parametrize("action", ["appeal_entry", "reject_appeal", "decline_entry"])
@NOV_4
def test_every_reason_form_is_in_the_readers_language(world, action):  # noqa: F811
    change(world, "A001", locale="zh-CN")
    (_, opened), = press(world, "U001", action, "1")
    assert opened["view"]["submit"]["text"] == "提交"
