"""The monthly score: the base plus awards minus deductions, revoked entries excluded.

The ledger itself is append-only: an undo is a new row that revokes an earlier one, and
whoever reads the ledger marks the entry `revoked`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from scoring.policy import Policy


@dataclass(frozen=True)
class Entry:
    id: int
    points: int  # signed: a deduction is negative
    day: date
    code: str | None = None
    note: str = ""  # the reason typed by the lead (or a note beside a catalogue code)
    author: str | None = None
    revoked: bool = False


def standing(entries: Iterable[Entry]) -> list[Entry]:
    """The entries that count: those not revoked."""
    return [e for e in entries if not e.revoked]


def monthly_score(policy: Policy, entries: Iterable[Entry]) -> int:
    """policy.base_score plus the points of the standing entries."""
    return policy.base_score + sum(e.points for e in standing(entries))


def absence_due(policy: Policy, entries: Iterable[Entry]) -> int | None:
    """The month's late or early entries when they make a day's absence not recorded yet (001:
    three of them count as one; six, two); None otherwise."""
    counting = standing(entries)
    late = sum(1 for e in counting if e.code in policy.lateness_codes)
    absences = sum(1 for e in counting if e.code == policy.absence_code)
    return late if late >= policy.lateness_count * (absences + 1) else None


def points_problem(policy: Policy, points: int) -> str | None:
    """Why `points` cannot be one entry ("zero" or "too_many"), or None when it can."""
    if points <= 0:
        return "zero"
    if points > policy.max_points:
        return "too_many"
    return None
