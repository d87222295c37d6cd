"""Who may act on whom: leads on the agents of the teams they lead, managers and admins on
everyone, nobody on themselves, agents on nobody."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

EVERYONE = ("manager", "admin")  # act on and see everyone
DIGEST_READERS = ("lead",)  # get the morning digest of the teams they lead
REVIEW_READERS = ("lead", "manager", "admin")  # get the month-end review list


@dataclass(frozen=True)
class Person:
    id: int
    role: str  # agent, lead, manager or admin
    team_id: int
    led_team_ids: frozenset[int] = frozenset()


def entry_refusal(actor: Person, target: Person) -> str | None:
    """Why `actor` may not deduct from or award `target` ("self", "agent", "not_agent",
    "not_your_team"), or None."""
    if actor.id == target.id:
        return "self"
    if actor.role in EVERYONE:
        return None
    if actor.role != "lead":
        return "agent"
    if target.role != "agent":
        return "not_agent"
    return None if target.team_id in actor.led_team_ids else "not_your_team"


def undo_refusal(actor: Person, author_id: int | None) -> str | None:
    """Why `actor` may not undo an entry written by `author_id` ("not_author"), or None."""
    return None if actor.id == author_id or actor.role in EVERYONE else "not_author"


def visible_teams(actor: Person, all_team_ids: Collection[int]) -> list[int] | None:
    """The teams whose numbers `actor` may see together; None for agents (only their own)."""
    if actor.role in EVERYONE:
        return sorted(all_team_ids)
    if actor.role == "lead":
        return sorted(actor.led_team_ids)
    return None
