"""WeCom as a platform of the outbox: app messages to people (by employee ID, through their
wecom_user_id) and, when a group robot is set up, posts in its group ("#robot").

A person's message is markdown (or plain text, for people who read kpibot in the WeChat plugin),
cut to WeCom's 2,048 bytes. WeCom drops, without a word, what an app sends a member past 30 a
minute or 1,000 an hour: kpibot counts them itself and waits instead. A post to the group is
markdown in as many posts as it takes, then its image (the leaderboard chart). WeCom cannot be
asked whether a message arrived: `was_sent` states kpibot's rule.

WeCom's own duplicate check is left off: it compares whole requests, so it would also swallow a
second notice that happens to read like the first (a deduction, an award, the same deduction
again). Which message goes out once is the outbox's to decide, by its keys.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config.settings import SettingsError
from bot.doors.wecom.answers import failure
from bot.doors.wecom.api import MOST_USERS, WecomApi
from bot.doors.wecom.limits import Limiter
from bot.doors.wecom.robot import Robot, split
from bot.doors.wecom.transport import WecomError, WecomTransportError
from bot.outbox.deliveries import Message, SendFailed, Undeliverable
from bot.outbox.platforms import Channel, Note
from bot.store import queries
from bot.store.models import Agent, Delivery
from messages import wecom
from messages.render import render, text

log = logging.getLogger("kpibot.wecom")
ROBOT = "#robot"
PER_MEMBER = ((30, 60.0), (1000, 3600.0))  # an app's messages to one member


class WecomPlatform:
    tells_what_arrived = False  # was_sent is a rule: see its docstring
    name = "wecom"
    channel_setting = "WECOM_WEBHOOK_URL"

    def __init__(self, *, api: WecomApi, robot: Robot | None, engine: Engine, text_only: bool,
                 clock: Callable[[], float] = time.monotonic):
        """`text_only`: people get plain text, not markdown; `clock` counts each member's rate."""
        self.api, self.robot, self.engine, self.text_only = api, robot, engine, text_only
        self.channel = ROBOT if robot is not None else None
        self.members = Limiter(PER_MEMBER, clock)
        self._progress: dict[str, int] = {}  # delivery key -> its robot posts made, when cut short

    def knows(self, agent: Agent) -> bool:
        """A person with a WeCom user ID on the roster."""
        return bool(agent.wecom_user_id)

    def reaches(self, agent: Agent) -> bool:
        return self.knows(agent)  # nobody is looked up: WeCom users come with the roster

    def link(self, engine: Engine) -> None:
        """WeCom users come with the roster (wecom_user_id): there is nothing to look up."""

    def render(self, note: Note) -> Message:
        """For the group: the text and its markdown, whole (the robot splits it). For a person:
        the text and, unless text_only, its markdown, each cut to 2,048 bytes in their language."""
        if isinstance(note.to, Channel):
            words = render(note.template, note.locale, **note.context)
            return Message(wecom.plain(words), wecom.markdown(words), note.file, note.until)
        shown = self.render_for_person(note.template, note.context, note.locale)
        if note.buttons and not self.text_only:  # a card, its buttons' clicks coming back to the door
            buttons = [(text(note.locale, b.label), b.key) for b in note.buttons]
            card = wecom.button_card(title=text(note.locale, "wecom.decision_title"), words=shown.text,
                                     buttons=buttons, task_id=_task_id(note.key))
            return Message(shown.text, {"template_card": card}, note.file, note.until)
        return Message(shown.text, shown.layout, note.file, note.until)

    def render_for_person(self, template: str, context: Mapping[str, Any], locale: str) -> Message:
        """A message to one person (a DM, or the answer to what they wrote), as they read it."""
        words = render(template, locale, **context)
        layout = None if self.text_only else wecom.fit(wecom.markdown(words), locale)
        return Message(wecom.fit(wecom.plain(words), locale), layout)

    def send(self, key: str, recipient: str, message: Message) -> None:
        """A person gets an app message (a file, which would need an upload first, is left
        out); "#robot" gets the group posts."""
        if recipient == ROBOT:
            self._post(key, message)
            return
        user = self._users([recipient]).get(recipient)
        if user is None:
            raise Undeliverable(f"{recipient} has no WeCom user")
        if self._send([user], message):
            raise Undeliverable(f"WeCom does not know user {user} ({recipient})")

    def send_many(self, recipients: list[str], message: Message) -> list[str]:
        """One app message with the same content to several people (employee IDs), 1,000 a call;
        returns those it could not go to: no WeCom user, or one WeCom does not know."""
        users = self._users(list(dict.fromkeys(recipients)))
        refused = [r for r in dict.fromkeys(recipients) if r not in users]
        pairs = list(users.items())
        for start in range(0, len(pairs), MOST_USERS):
            batch = pairs[start:start + MOST_USERS]
            unknown = set(self._send([user for _, user in batch], message))
            refused += [r for r, user in batch if user.lower() in unknown]
        return refused

    # --- answers to whoever wrote to kpibot (by WeCom user ID; not deliveries of the outbox) ---

    def reply(self, user: str, message: Message) -> None:
        self._send([user], message)

    def card(self, user: str, message: Message, *, title: str, buttons: list[tuple[str, str]]) -> None:
        """The message as a card with buttons, (label, key) each: a click comes back with its key."""
        self._send([user], message, {"msgtype": "template_card", "template_card": wecom.button_card(
            title=title, words=message.text, buttons=buttons, task_id=_task_id(buttons[0][1]))})

    def update_card(self, user: str, response_code: str, replace_name: str) -> None:
        """The clicked card's button greyed out under `replace_name` (e.g. Undone)."""
        try:
            self.api.update_card(response_code, {"userids": [user], "button": {"replace_name": replace_name}})
        except (WecomError, WecomTransportError, SettingsError) as err:
            raise failure(err) from None

    def was_sent(self, delivery: Delivery) -> bool:
        """WeCom cannot be asked whether a message arrived, so kpibot's rule decides: a delivery
        whose send was cut short (it timed out, or its process ended while sending) counts as
        sent, and is logged as such. Nothing is sent twice; rarely, one may be missing."""
        log.warning("%s to %s counted as sent: WeCom cannot be asked whether it arrived (%s)",
                    delivery.key, delivery.recipient, delivery.last_error or "its sender stopped")
        self._progress.pop(delivery.key, None)
        return True

    def _send(self, users: list[str], message: Message, body: dict[str, Any] | None = None) -> list[str]:
        """message/send (of `message`, or of `body` when given) within each member's rate;
        returns the users WeCom does not know."""
        wait = self.members.take(u.lower() for u in users)  # WeCom's userids have no case
        if wait:
            raise SendFailed(f"{len(users)} member(s) had {PER_MEMBER[0][0]} messages this minute "
                             f"or {PER_MEMBER[1][0]} this hour", retry_after=wait)
        try:
            return self.api.send(users, body or self._app_message(message))
        except (WecomError, WecomTransportError, SettingsError) as err:
            raise failure(err) from None

    def _app_message(self, message: Message) -> dict[str, Any]:
        if isinstance(message.layout, dict) and "template_card" in message.layout:
            return {"msgtype": "template_card", **message.layout}
        if isinstance(message.layout, str) and not self.text_only:
            return {"msgtype": "markdown", "markdown": {"content": message.layout}}
        return {"msgtype": "text", "text": {"content": message.text}}

    def _post(self, key: str, message: Message) -> None:
        """The group posts in order, then the image; a send cut short (a rate limit, a server
        error) goes on where it stopped, so no post is made twice."""
        if self.robot is None:
            raise Undeliverable("no group robot is set up (WECOM_WEBHOOK_URL)")
        markdown = message.layout if isinstance(message.layout, str) else message.text
        steps = [partial(self.robot.post_markdown, part) for part in split(markdown)]
        if message.file is not None:
            steps.append(partial(self.robot.post_image, message.file.data))
        for n in range(self._progress.get(key, 0), len(steps)):
            steps[n]()
            self._progress[key] = n + 1
        self._progress.pop(key, None)

    def _users(self, recipients: list[str]) -> dict[str, str]:
        """Employee ID -> WeCom user ID, for those who have one."""
        with Session(self.engine) as session:
            agents = {r: queries.agent_by_employee_id(session=session, employee_id=r) for r in recipients}
        return {r: a.wecom_user_id for r, a in agents.items() if a is not None and a.wecom_user_id}


def _task_id(key: str) -> str:
    """A card's task ID, unique per card as WeCom asks: digits, letters and _-@ only."""
    return f"{re.sub(r'[^0-9A-Za-z_@-]', '-', key)[:100]}-{uuid.uuid4().hex[:12]}"
