"""kpibot on Slack, end to end over real HTTP: a first look."""

from __future__ import annotations

import json
from datetime import date

from freezegun import freeze_time
from sqlmodel import select

import scenario
from bot.models import LedgerEntry
from slack_fixtures import slack  # noqa: F401


@freeze_time("2026-11-04 10:00:00+08:00", tick=True)
def test_mystats_and_a_deduction(slack, session):  # noqa: F811
    scenario.build(session)
    assert slack.requests.command("/mystats", "", "U001") == (200, "")
    slack.settle()
    answer = slack.standin.wait_for("respond")[0].body
    assert answer["response_type"] == "ephemeral"
    assert "Wed 4 Nov: 55 of 60 calls, 160 of 150 talk minutes" in answer["text"]

    slack.bot.center  # the lead deducts from Wang Fang by mention
    with slack.session() as s:
        from bot.models import Agent
        lead = s.exec(select(Agent).where(Agent.employee_id == "L01")).one()
        lead.slack_user_id = "U100"
        s.add(lead)
        s.commit()
    assert slack.requests.command("/deduct", "<@U001|wang> late", "U100")[0] == 200
    slack.settle()
    confirmation = slack.standin.wait_for("respond", 2)[1].body
    assert "Recorded for Wang Fang (A001): -2 Late. Their score this month: 97." == confirmation["text"].strip()
    dm = slack.standin.wait_for("chat.postMessage")[0].body
    assert dm["channel"] == "DU001"
    assert "Agent L01 deducted" not in dm["text"] and "deducted 2 points from you: Late" in dm["text"]
    with slack.session() as s:
        assert s.exec(select(LedgerEntry.points).where(LedgerEntry.code == "late")).all() == [-2, -2]
