"""Month-end review flags and the quarterly level review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoring.calendar import Month
from scoring.policy import Policy

UP, STAY, DOWN, DOWN_PROBATION = "up", "stay", "down", "down_probation"


@dataclass(frozen=True)
class MonthReview:
    score: int
    below_pass: bool  # under the pass mark this month
    below_streak: bool  # under retraining_below for retraining_months running

    @property
    def retraining(self) -> bool:
        return self.below_pass or self.below_streak


def month_review(policy: Policy, scores: Sequence[int]) -> MonthReview:
    """Flags for the last of `scores` (oldest first, one per consecutive month)."""
    recent = scores[-policy.retraining_months:]
    return MonthReview(
        score=scores[-1],
        below_pass=scores[-1] < policy.pass_mark,
        below_streak=len(recent) == policy.retraining_months
        and all(s < policy.retraining_below for s in recent),
    )


def is_level_review_month(policy: Policy, month: Month) -> bool:
    """True in the last month of a review period (a quarter by default)."""
    return month.month % policy.review_months == 0


def level_review(policy: Policy, scores: Sequence[int]) -> str:
    """UP, STAY, DOWN or DOWN_PROBATION from the average of the period's monthly scores."""
    average = sum(scores) / len(scores)
    if average > policy.level_up_above:
        return UP
    if average >= policy.level_stay_from:
        return STAY
    if average >= policy.level_down_from:
        return DOWN
    return DOWN_PROBATION
