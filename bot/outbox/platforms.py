"""The chat platforms a message can go out on, as the rounds and the outbox see them.

A platform knows whom it reaches, where its public channel is, how a message looks on it, how
to send one, and whether a send it is unsure of arrived. Rounds and doors write `Note`s; the
outbox has each one rendered by the platform of its recipient, writes it down, and sends it.

A platform that cannot look up whether a message arrived answers `was_sent` by a rule of its
own, stated in its docstring and in docs/rounds.md (the console, for one, counts every message
it was showing as shown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.outbox.deliveries import Attachment, Message, Queued, enqueue_many
from bot.store.models import Agent, Delivery


@dataclass(frozen=True)
class Channel:
    """A platform's public channel, as its deliveries name it (e.g. "#C0123" on Slack)."""

    platform: str
    id: str


@dataclass(frozen=True)
class Button:
    """A button beside a message, on a platform that shows buttons this way (WeCom's cards):
    pressing it asks `command` with `words`, as whoever pressed it. Slack's buttons are its
    templates' own; elsewhere the message names the command to type."""

    label: str  # the catalogue key of its label
    command: str
    words: str

    @property
    def key(self) -> str:
        return f"{self.command}:{self.words}"


@dataclass(frozen=True)
class Note:
    """A message to write down: for a person or a channel, a template in a locale."""

    key: str  # unique: the message goes out once under it
    to: Agent | Channel
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    locale: str = "en"
    until: datetime | None = None  # not worth sending after this
    file: Attachment | None = None
    buttons: tuple[Button, ...] = ()


class Platform(Protocol):
    name: str  # stored on each delivery: slack, console, …
    # True when `was_sent` asks the platform what arrived: its deliveries may then be claimed a few
    # at a time ahead of their sends (a crash leaves them in doubt, and asking settles them). A
    # platform that answers by a rule has each claimed just before it is sent. False when absent.
    tells_what_arrived: bool
    channel: str | None  # where public posts go, as a recipient; None when not set up
    channel_setting: str  # the setting that names the channel, for the operator

    def knows(self, agent: Agent) -> bool:
        """True when the roster gives the person an identity here (a user ID of this platform)."""

    def reaches(self, agent: Agent) -> bool:
        """True when the person has, or may be found to have (by email, say), an identity here."""

    def link(self, engine: Engine) -> None:
        """Match roster rows to the platform's users before a round (quietly, as far as it can)."""

    def render(self, note: Note) -> Message:
        """The note as this platform shows it."""

    def send(self, key: str, recipient: str, message: Message) -> None:
        """Send, or raise SendFailed (try again later) or Undeliverable (never)."""

    def was_sent(self, delivery: Delivery) -> bool | None:
        """Did a delivery whose send was cut short arrive? None: cannot tell now, ask later."""


class Platforms:
    """The platforms set up, in order of preference. A person's platform is the first whose user ID
    the roster gives them; without one, the first that may find them (Slack, by email)."""

    def __init__(self, platforms: Iterable[Platform]):
        self.all = tuple(platforms)
        self._by_name = {p.name: p for p in self.all}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def __bool__(self) -> bool:
        return bool(self.all)

    @property
    def telling(self) -> tuple[str, ...]:
        """The names of the platforms that can be asked what arrived."""
        return tuple(p.name for p in self.all if getattr(p, "tells_what_arrived", False))

    def of(self, name: str) -> Platform | None:
        return self._by_name.get(name)

    def for_person(self, agent: Agent) -> Platform | None:
        """The platform a person's messages go out on, or None when none reaches them."""
        return next((p for p in self.all if p.knows(agent)), None) or \
            next((p for p in self.all if p.reaches(agent)), None)

    def channels(self) -> list[Channel]:
        """Every public channel set up, one per platform at most."""
        return [Channel(p.name, p.channel) for p in self.all if p.channel]

    def unset_channels(self) -> list[str]:
        """The settings that would name a channel on the platforms that have none."""
        return [p.channel_setting for p in self.all if not p.channel]

    def link(self, engine: Engine) -> None:
        for platform in self.all:
            platform.link(engine)


def write(*, session: Session, platforms: Platforms, notes: Iterable[Note],
          fallback: Platform | None = None) -> list[str]:
    """Write each note down, rendered for the platform of its recipient; returns their keys.

    A note for a person no platform reaches goes to `fallback` (to fail there with that
    platform's reason, told to whoever asked) or, without one, is left out.
    """
    items = []
    for note in notes:
        platform = _platform_of(note, platforms, fallback)
        if platform is not None:
            recipient = note.to.id if isinstance(note.to, Channel) else note.to.employee_id
            items.append(Queued(note.key, recipient, platform.name, platform.render(note)))
    return enqueue_many(session=session, items=items)


def _platform_of(note: Note, platforms: Platforms, fallback: Platform | None) -> Platform | None:
    if isinstance(note.to, Channel):
        return platforms.of(note.to.platform)
    return platforms.for_person(note.to) or fallback
