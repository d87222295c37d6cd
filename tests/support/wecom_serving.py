"""kpibot serving WeCom on a loopback port, against the stand-in WeCom API and robot, with the
scenario's center on it: `wecom` (one bot a test). Callbacks are sealed by wechatpy, as WeCom
seals them (wecom_callbacks)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count

import pytest
from sqlmodel import Session

import scenario
from bot.config.settings import Settings
from bot.doors.serve import Bot
from bot.doors.wiring import build_bot
from factories import add_agent
from loopback import run_in_background
from wecom_callbacks import AES_KEY, TOKEN, WecomCallbacks
from wecom_fixtures import app_settings
from wecom_standin import CORP_ID, WecomStandIn

USERS = {"L01": "xuchen", "A001": "wangfang", "A002": "lina", "A003": "zhaolei", "L02": "sunli", "M01": "majun"}


@dataclass
class Running:
    bot: Bot
    standin: WecomStandIn
    callbacks: WecomCallbacks
    ids: count

    def session(self) -> Session:
        return Session(self.bot.engine)

    def says(self, user: str, content: str, msg_id: str | None = None) -> tuple[int, str]:
        """`user` types `content` to kpibot; the callback's answer, once the work after it is done."""
        xml = WecomCallbacks.text_message(user=user, content=content, msg_id=msg_id or str(next(self.ids)),
                                          corp_id=CORP_ID)
        answered = self.callbacks.post(xml)
        assert self.bot.worker.wait_idle(10)
        return answered

    def clicks(self, user: str, key: str, response_code: str) -> tuple[int, str]:
        xml = WecomCallbacks.card_event(user=user, event_key=key, task_id=f"t{next(self.ids)}",
                                        response_code=response_code, corp_id=CORP_ID)
        answered = self.callbacks.post(xml)
        assert self.bot.worker.wait_idle(10)
        return answered

    def told(self, user: str) -> list[dict]:
        """What WeCom delivered to `user`, oldest first."""
        return self.standin.received[user]


@pytest.fixture
def wecom(database_url) -> Iterator[Running]:
    standin = WecomStandIn(users=[*USERS.values()])
    settings = Settings(database_url=database_url, wecom=app_settings(standin, token=TOKEN, aes_key=AES_KEY))
    bot = build_bot(settings, host="127.0.0.1", port=0)
    with Session(bot.engine) as session:
        people = scenario.build(session)
        for person in (people[key] for key in ("lead", "wang", "li", "zhao")):
            person.wecom_user_id = USERS.get(person.employee_id)
            person.slack_user_id = None
            session.add(person)
        session.commit()
        add_agent(session, "L02", name="Sun Li", team="Team 2", role="lead", wecom_user_id="sunli")
        add_agent(session, "M01", name="Ma Jun", team="Office", role="manager", wecom_user_id="majun")
    run_in_background(bot)
    callbacks = WecomCallbacks(f"http://127.0.0.1:{bot.port}", token=TOKEN, aes_key=AES_KEY, corp_id=CORP_ID)
    try:
        yield Running(bot, standin, callbacks, count(7000000000000000001))
    finally:
        bot.close()
        standin.close()
