"""Whole rounds of a center of every kind of agent (tests/support/mixed_center.py), every message
as text against one golden file: the month-end of November and of September (a level review
month), ranked by attainment and by score; the mornings of 18 November and of 1 December (whose
day reported is in the month before); and /mystats asked on 18 November. It pins what the rounds
say while the way they are built changes.

Set KPIBOT_UPDATE_GOLDEN=1 to rewrite the golden file after a deliberate change, then read the diff.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from bot.outbox.platforms import Platforms
from bot.rounds.month_end import month_end_notes
from bot.rounds.morning import morning_notes
from bot.store.models import Agent
from bot.usecases.mystats import NoQuotaError, stats_view
from messages.render import render
from mixed_center import fill_mixed
from recording import RecordingPlatform
from scoring.calendar import Month

GOLDEN = Path(__file__).parent / "golden" / "mixed_center.txt"


@pytest.fixture
def mixed(engine):
    fill_mixed(engine)
    return engine


def shown(notes) -> list[str]:
    platform = RecordingPlatform(channel="C0MIX")
    out = []
    for note in notes:
        to = note.to.id if hasattr(note.to, "platform") else note.to.employee_id
        if note.file is not None:  # the chart's pixels, however the PNG is compressed
            image = Image.open(io.BytesIO(note.file.data)).convert("RGB")
            body = f"{note.file.name} {image.size} sha256:{hashlib.sha256(image.tobytes()).hexdigest()}\n"
        else:
            body = platform.render(note).text
        out.append(f"### {note.key} -> {to} [{note.template}, {note.locale}]\n{body}")
    return out


def everything(session: Session, center) -> str:
    platforms = Platforms([RecordingPlatform(channel="C0MIX")])
    by_score = replace(center, policy=replace(center.policy, leaderboard_metric="score"))
    parts = []
    for where, month in ((center, Month(2026, 11)), (center, Month(2026, 9)), (by_score, Month(2026, 11))):
        parts += shown(month_end_notes(session, where, platforms, month))
    for day in (date(2026, 11, 18), date(2026, 12, 1)):
        parts += shown(morning_notes(session, center, day))
    for agent in session.exec(select(Agent).order_by(Agent.employee_id)).all()[::7]:
        try:
            view = stats_view(session=session, center=center, agent=agent, day=date(2026, 11, 18),
                              today=date(2026, 11, 18))
        except NoQuotaError:
            continue
        parts.append(f"### mystats {agent.employee_id}\n" + render("stats", "en", v=view, policy=center.policy))
    return "".join(parts)


def test_every_message_of_the_mixed_center_reads_as_it_did(mixed, center):
    with Session(mixed) as session:
        got = everything(session, center)
    if os.environ.get("KPIBOT_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got, "utf-8")
    assert got == GOLDEN.read_text("utf-8")
