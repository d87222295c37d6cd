"""A platform that keeps what it is sent, for use-case and round tests that need no HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.outbox.deliveries import Message
from bot.outbox.platforms import Note
from messages.render import render


@dataclass
class RecordingPlatform:
    """Reaches everyone (or the employee IDs in `reach`); each message sent is kept as
    (delivery key, recipient, plain text), in the order sent."""

    name: str = "recording"
    channel: str | None = None
    channel_setting: str = "RECORDING_CHANNEL"
    reach: set[str] | None = None
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def knows(self, agent) -> bool:
        return self.reach is not None and agent.employee_id in self.reach

    def reaches(self, agent) -> bool:
        return self.reach is None or agent.employee_id in self.reach

    def link(self, engine) -> None:
        pass

    def render(self, note: Note) -> Message:
        return Message(render(note.template, note.locale, **note.context), None, note.file, note.until)

    def send(self, key: str, recipient: str, message: Message) -> None:
        self.sent.append((key, recipient, message.text.rstrip("\n")))

    def was_sent(self, delivery) -> bool:
        return any(key == delivery.key for key, _, _ in self.sent)
