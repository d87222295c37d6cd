"""The monthly score: the base plus awards minus deductions, revoked and pending entries excluded.

The ledger itself is append-only: an undo is a new row that revokes an earlier one, and
whoever reads the ledger marks the entry `revoked`. A deduction above the approval threshold
is written pending and counts once a manager approves it (the two-person rule); an agent may
appeal a deduction that counts, and a manager accepts the appeal (the entry is revoked) or
rejects it (it stands).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from scoring.policy import Policy


# What a ledger row does to the entry it refers to (refers_id) or revokes (revokes_id; a revocation
# without an act is an undo).
APPROVE, APPEAL, REJECT = "approve", "appeal", "reject"  # refer to the entry
DECLINE, ACCEPT = "decline", "accept"  # revoke it: a pending deduction not approved, an appeal accepted

# Where an entry stands, beside its points (Entry.state): revoked as UNDONE, DECLINED (not
# approved) or ACCEPTED (on appeal); waiting as PENDING (for approval); standing but APPEALED
# (no decision yet) or UPHELD (the appeal rejected); None, simply standing.
UNDONE, DECLINED, ACCEPTED = "undone", "declined", "accepted"
PENDING, APPEALED, UPHELD = "pending", "appealed", "upheld"


@dataclass(frozen=True)
class Entry:
    id: int
    points: int  # signed: a deduction is negative
    day: date
    code: str | None = None
    note: str = ""  # the reason typed by the lead (or a note beside a catalogue code)
    author: str | None = None
    revoked: bool = False
    state: str | None = None  # UNDONE, DECLINED or ACCEPTED when revoked; PENDING, APPEALED, UPHELD or None

    @property
    def pending(self) -> bool:
        return self.state == PENDING

    @property
    def counts(self) -> bool:
        return not self.revoked and not self.pending


def entry_state(*, revoked_as: str | None, revoked: bool, pending: bool, approved: bool, appealed: bool,
                upheld: bool) -> str | None:
    """Where an entry stands, from the ledger rows about it: its revocation (and that row's act),
    whether it was written pending and approved since, appealed, and the appeal rejected."""
    if revoked:
        return {DECLINE: DECLINED, ACCEPT: ACCEPTED}.get(revoked_as, UNDONE)
    if pending and not approved:
        return PENDING
    if upheld:
        return UPHELD
    return APPEALED if appealed else None


def needs_approval(policy: Policy, points: int) -> bool:
    """True for a deduction (negative `points`) above the policy's approval threshold."""
    return -points > policy.approval_above


def standing(entries: Iterable[Entry]) -> list[Entry]:
    """The entries that count: those neither revoked nor waiting for approval."""
    return [e for e in entries if e.counts]


def monthly_score(policy: Policy, entries: Iterable[Entry]) -> int:
    """policy.base_score plus the points of the standing entries."""
    return policy.base_score + sum(e.points for e in standing(entries))


def absence_due(policy: Policy, entries: Iterable[Entry]) -> int | None:
    """The month's late or early entries when they make a day's absence not recorded yet (001:
    three of them count as one; six, two); None otherwise. An absence waiting for approval is
    recorded."""
    entries = list(entries)
    late = sum(1 for e in standing(entries) if e.code in policy.lateness_codes)
    absences = sum(1 for e in entries if not e.revoked and e.code == policy.absence_code)  # pending ones too
    return late if late >= policy.lateness_count * (absences + 1) else None


def points_problem(policy: Policy, points: int) -> str | None:
    """Why `points` cannot be one entry ("zero" or "too_many"), or None when it can."""
    if points <= 0:
        return "zero"
    if points > policy.max_points:
        return "too_many"
    return None
