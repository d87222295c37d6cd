"""A deduction or award as a person types it, read the same by every door:

    deduct AGENT POINTS REASON...    or    deduct AGENT CODE [NOTE...]
    award  AGENT POINTS REASON...    or    award  AGENT CODE [NOTE...]

AGENT is the first word, as typed: the door's finder says who it names (a mention, a user ID,
an employee ID). CODE is a catalogue code, or its label in either language ("late", "迟到",
"Private phone call").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scoring.ledger import points_problem
from scoring.policy import CatalogItem, Policy
from scoring.problems import Problem

WHOLE = re.compile(r"^[+-]?\d+$")
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
SEPARATOR = re.compile(r"[\s,，:：;；、]")  # between a code or label and its note
SEPARATED = re.compile(r"^[\s,，:：;；、]+")
MOST_NOTE = 300


class CommandError(Problem):
    """A command that cannot be carried out; `command` names its usage line."""

    def __init__(self, code: str, command: str, /, **fields):
        super().__init__(f"command.{code}", **fields)
        self.command = command


@dataclass(frozen=True)
class PointsRequest:
    kind: str  # deduct or award
    target: str  # the word naming the agent, as typed
    points: int
    code: str | None
    note: str


def parse_points(kind: str, text: str, policy: Policy) -> PointsRequest:
    """`AGENT POINTS REASON...` or `AGENT CODE [NOTE...]`; CommandError when wrong."""
    parts = text.split(maxsplit=1)
    if not parts:
        raise CommandError("usage", kind)
    if len(parts) == 1:
        raise CommandError("no_points", kind)
    target, rest = parts
    first, *after = rest.split(maxsplit=1)
    if NUMBER.match(first):
        return PointsRequest(kind, target, _points(kind, first, policy), None, _reason(kind, "".join(after)))
    item, note = find_item(policy, kind, rest)
    return PointsRequest(kind, target, item.points, item.code, parse_note(kind, note))


def find_item(policy: Policy, kind: str, text: str) -> tuple[CatalogItem, str]:
    """The catalogue entry `text` starts with (its code, or its label in either language), and
    the note after it; CommandError for no entry, or one of the other kind."""
    found = _match(catalogue(policy, kind), text)
    if found is not None:
        return found
    given = text.split()[0]
    other = _match([i for i in policy.catalog.values() if i.kind != kind], text)
    if other is not None:
        raise CommandError("wrong_kind", kind, given=given, other=f"/{other[0].kind}")
    raise CommandError("unknown_code", kind, given=given, codes=codes(policy, kind))


def _match(items: list[CatalogItem], text: str) -> tuple[CatalogItem, str] | None:
    """The item whose code or label is the longest start of `text`, ignoring case, with what follows."""
    best: tuple[int, CatalogItem] | None = None
    for item in items:
        for name in (item.code, item.label.en, item.label.zh):
            size = len(name)
            if text[:size].lower() == name.lower() and _ends_word(text, size) and (best is None or size > best[0]):
                best = (size, item)
    if best is None:
        return None
    return best[1], SEPARATED.sub("", text[best[0]:])


def _ends_word(text: str, at: int) -> bool:
    """True when a name matched up to `at` ends there: the text does, or a separator follows,
    or (in Chinese, written without spaces) the name's last character is not Latin."""
    return at == len(text) or SEPARATOR.match(text[at]) is not None or not text[at - 1].isascii()


def _points(kind: str, word: str, policy: Policy) -> int:
    if not WHOLE.match(word):
        raise CommandError("fractional", kind, points=word)
    if len(word.lstrip("+-")) > 6:  # far past any limit (and past what int() takes in one go)
        raise CommandError("too_many", kind, points=word[:12] + "…", most=policy.max_points)
    points = int(word)
    if points < 0:
        raise CommandError("negative", kind, points=word)
    problem = points_problem(policy, points)
    if problem is not None:
        raise CommandError(problem, kind, points=word, most=policy.max_points)
    return points


def _reason(kind: str, note: str) -> str:
    if not note.strip():
        raise CommandError("no_reason", kind)
    return parse_note(kind, note)


def parse_note(kind: str, note: str) -> str:
    """A note or reason as typed, trimmed; CommandError when it is too long."""
    note = note.strip()
    if len(note) > MOST_NOTE:
        raise CommandError("note_too_long", kind, most=MOST_NOTE)
    return note


def codes(policy: Policy, kind: str) -> str:
    """The catalogue codes of `kind`, for a usage line."""
    return ", ".join(item.code for item in catalogue(policy, kind))


def catalogue(policy: Policy, kind: str) -> list[CatalogItem]:
    return [item for item in policy.catalog.values() if item.kind == kind]
