"""`kpibot console --as EMPLOYEE_ID`: type what that person would type in chat and read kpibot's
answer and the DMs it causes, against the configured database; no token needed. One command a
line, from the keyboard or a pipe (`echo /mystats | kpibot console --as A003`):

    /mystats   /deduct A003 late   /award …   /leaderboard   /teamstats yesterday   undo 7   help

The DMs go out like any other: on the chat platforms the settings set up (Slack, with its
token); to someone no platform reaches, they are shown here only, and recorded as shown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config.center import Center
from bot.outbox import deliveries
from bot.outbox.deliveries import Message
from bot.outbox.platforms import Note, Platforms, write
from bot.store import queries
from bot.store.models import Delivery
from bot.usecases.answer import Answer, Request, answer, command_of
from messages.render import render, text
from scoring.problems import Problem

QUIT = ("quit", "exit", "退出")


class ConsolePlatform:
    tells_what_arrived = False  # what it was showing counts as shown
    """The terminal as a platform: it reaches everyone, and what it sends is shown by the console
    itself. It cannot be asked what arrived, so its rule is that a message it was showing when
    its process ended counts as shown: never shown twice."""

    name = "console"
    channel: str | None = None
    channel_setting = ""

    def knows(self, agent) -> bool:
        return False  # it reaches everyone, but is nobody's own platform

    def reaches(self, agent) -> bool:
        return True

    def link(self, engine: Engine) -> None:
        pass

    def render(self, note: Note) -> Message:
        return Message(render(note.template, note.locale, **note.context), None, note.file, note.until)

    def send(self, key: str, recipient: str, message: Message) -> None:
        pass  # the console shows each DM beside the answer that caused it

    def was_sent(self, delivery: Delivery) -> bool:
        return True


class Console:
    def __init__(self, *, center: Center, engine: Engine, platforms: Platforms, employee_id: str, out: TextIO):
        self.center, self.engine, self.employee_id, self.out = center, engine, employee_id, out
        self.terminal = ConsolePlatform()
        self.platforms = Platforms([*platforms.all, self.terminal])  # the terminal last: it reaches everyone

    def check(self) -> None:
        """The person exists on the roster; Problem when they do not."""
        with Session(self.engine) as session:
            if queries.agent_by_employee_id(session=session, employee_id=self.employee_id) is None:
                raise Problem("cli.unknown_employee", employee_id=self.employee_id)

    def run(self, lines: Iterable[str]) -> None:
        """Answer each line until the end of the input (or quit)."""
        first = True
        for line in lines:
            words = line.strip()
            if words.lower() in QUIT:
                return
            if words:
                if not first:
                    print(file=self.out)
                self.say(words)
                first = False

    def say(self, words: str) -> None:
        """One line as the person typed it: the answer, then each DM it causes."""
        name, _, rest = words.lstrip("/").partition(" ")
        with Session(self.engine) as session:
            person = queries.agent_by_employee_id(session=session, employee_id=self.employee_id)
            given = answer(session=session, center=self.center, request=Request(command_of(name), rest.strip(), person),
                           today=self.center.today())
            self._show(given)
            self._tell(session, given.dms, given.locale)

    def _show(self, given: Answer) -> None:
        print(render(given.template, given.locale, **given.context), end="", file=self.out)
        if given.undo is not None:
            print(text(given.locale, "console.undo", entry=given.undo), file=self.out)

    def _tell(self, session: Session, notes: tuple[Note, ...], locale: str) -> None:
        where = {note.key: self.platforms.for_person(note.to) for note in notes}
        keys = write(session=session, platforms=self.platforms, notes=notes)
        outcome = deliveries.deliver(self.engine, self.platforms, keys)
        for note in notes:
            platform = where[note.key]
            key = "console.dm_here" if platform is self.terminal else \
                "console.dm_sent" if note.key in outcome.sent else "console.dm_not_yet"
            print(text(locale, key, name=note.to.name, employee_id=note.to.employee_id,
                       platform=text(locale, f"platform.{platform.name}")), file=self.out)
            shown = render(note.template, note.locale, **note.context)
            print("".join(f"  {line}\n" for line in shown.splitlines()), end="", file=self.out)


def typed_lines(prompt: str) -> Iterator[str]:
    """What is typed: line by line after a prompt at a terminal, or read from a pipe as it is."""
    if not sys.stdin.isatty():
        yield from sys.stdin
        return
    while True:
        try:
            yield input(prompt)
        except EOFError:
            print()
            return
