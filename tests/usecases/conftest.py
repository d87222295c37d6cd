"""The scenario's center for the use cases, and `ask`: the one answer, asked as a door asks it.

    L01 Xu Chen (U100) leads Team 1: A001 Wang Fang (U001), veteran; A002 Li Na (U002), new hire
    L02 Sun Li (U200) leads Team 2: A003 Zhao Lei (U003), in his first week
    M01 Ma Jun (U900), manager, and ADM1 Gao Yan (U901), admin, on Office
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

import scenario
from bot.outbox import deliveries
from bot.outbox.platforms import Platforms, write
from bot.store import queries
from bot.store.models import Agent
from bot.usecases.answer import Answer, Request, answer
from factories import add_agent
from recording import RecordingPlatform
from said import TODAY

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@pytest.fixture
def people(session) -> dict:
    found = scenario.build(session)
    for key, user_id in (("wang", "U001"), ("lead", "U100"), ("li", "U002"), ("zhao", "U003")):
        found[key].slack_user_id = user_id
        session.add(found[key])
    session.commit()
    add_agent(session, "L02", name="Sun Li", team="Team 2", role="lead", slack_user_id="U200")
    add_agent(session, "M01", name="Ma Jun", team="Office", role="manager", slack_user_id="U900")
    add_agent(session, "ADM1", name="Gao Yan", team="Office", role="admin", slack_user_id="U901")
    return found


class Asking:
    """ask(EMPLOYEE_ID, command, words): the answer, as any door gets it; a word may name an agent
    by mention (<@U001>), as on Slack, or by employee ID. ask.told(answer): its DMs, sent once
    through a recording platform, as (delivery key, employee ID, text)."""

    def __init__(self, session: Session, center, engine):
        self.session, self.center, self.engine = session, center, engine
        self.platform = RecordingPlatform()

    def __call__(self, employee_id: str, command: str, words: str = "") -> Answer:
        person = queries.agent_by_employee_id(session=self.session, employee_id=employee_id)
        return answer(session=self.session, center=self.center, request=Request(command, words, person),
                      find=self.find, today=TODAY)

    def find(self, word: str) -> Agent | None:
        mention = MENTION.fullmatch(word)
        if mention:
            return self.session.exec(select(Agent).where(Agent.slack_user_id == mention.group(1))).first()
        return queries.agent_by_employee_id(session=self.session, employee_id=word)

    def told(self, given: Answer) -> list[tuple[str, str, str]]:
        before = len(self.platform.sent)
        platforms = Platforms([self.platform])
        deliveries.deliver(self.engine, platforms, write(session=self.session, platforms=platforms, notes=given.dms))
        return self.platform.sent[before:]


@pytest.fixture
def ask(session, center, engine, people) -> Asking:
    return Asking(session, center, engine)
