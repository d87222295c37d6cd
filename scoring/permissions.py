"""Who may do what, and who sees what: leads act on the agents of the teams they lead, managers
and admins on everyone, nobody on themselves, agents on nobody. Agents are the ones assessed
and ranked; leads, managers and admins read the teams they may see."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

EVERYONE = ("manager", "admin")  # act on and see everyone
RECORDERS = ("lead", *EVERYONE)  # deduct and award
ASSESSED = ("agent",)  # have a quota, a place on the leaderboard, their own stats
DIGEST_READERS = ("lead",)  # get the morning digest of the teams they lead
REVIEW_READERS = ("lead", "manager", "admin")  # get the month-end review list of the teams they see
PULL_READERS = ("admin",)  # get the day's summary of stats rows left out and sources down
HOME_STATS, HOME_TEAMS = "stats", "teams"


@dataclass(frozen=True)
class Person:
    id: int
    role: str  # agent, lead, manager or admin
    team_id: int | None
    led_team_ids: frozenset[int] = frozenset()


def may_record(actor: Person) -> str | None:
    """Why `actor` may not deduct or award at all ("agent"), or None."""
    return None if actor.role in RECORDERS else "agent"


def entry_refusal(actor: Person, target: Person) -> str | None:
    """Why `actor` may not deduct from or award `target` ("self", "agent", "not_agent",
    "not_your_team"), or None."""
    if actor.id == target.id:
        return "self"
    refusal = may_record(actor)
    if refusal is not None or actor.role in EVERYONE:
        return refusal
    if target.role not in ASSESSED:
        return "not_agent"
    return None if target.team_id in actor.led_team_ids else "not_your_team"


def undo_refusal(actor: Person, author_id: int | None, target: Person) -> str | None:
    """Why `actor` may not undo an entry about `target` written by `author_id` ("not_author"),
    or None. kpibot's own entries (no author) are undone by the target's leads too."""
    if actor.id == author_id or actor.role in EVERYONE:
        return None
    if author_id is None and actor.id != target.id and target.team_id in actor.led_team_ids:
        return None
    return "not_author"


def decision_refusal(actor: Person, author_id: int | None, target: Person) -> str | None:
    """Why `actor` may not approve a pending deduction or decide an appeal ("not_manager",
    "own_entry", "about_you"), or None: a manager or admin other than whoever wrote the entry and
    the agent it is about. The two-person rule wants a second person."""
    if actor.role not in EVERYONE:
        return "not_manager"
    if actor.id == author_id:
        return "own_entry"
    return "about_you" if actor.id == target.id else None


def appeal_refusal(actor: Person, target: Person) -> str | None:
    """Why `actor` may not appeal an entry about `target` ("not_yours"), or None: only the agent
    it is about appeals."""
    return None if actor.id == target.id else "not_yours"


def may_change_closed_month(actor: Person) -> bool:
    """A month whose month-end round has gone out is closed: only an admin changes its entries."""
    return actor.role == "admin"


def visible_teams(actor: Person, all_team_ids: Collection[int]) -> list[int] | None:
    """The teams whose numbers `actor` may see together; None for agents (only their own)."""
    if actor.role in EVERYONE:
        return sorted(all_team_ids)
    if actor.role == "lead":
        return sorted(actor.led_team_ids)
    return None


def is_ranked(person: Person) -> bool:
    """True for the people the leaderboard ranks: they see their own place beside it."""
    return person.role in ASSESSED


def home_of(person: Person) -> str:
    """What a person's home shows: their own stats (HOME_STATS) or their teams (HOME_TEAMS)."""
    return HOME_STATS if person.role in ASSESSED else HOME_TEAMS
