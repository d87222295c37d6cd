"""The monthly score (base plus awards minus deductions), rankings with ties, the month-end
review flags and the quarterly level review."""

from __future__ import annotations

from datetime import date

import pytest

from scoring.calendar import Month
from scoring.leaderboard import Place, place_of, rank
from scoring.ledger import (ACCEPT, ACCEPTED, APPEALED, DECLINE, DECLINED, PENDING, UNDONE, UPHELD, Entry, absence_due,
                            entry_state, monthly_score, needs_approval, points_problem, standing)
from scoring.reviews import DOWN, DOWN_PROBATION, STAY, UP, MonthReview, is_level_review_month, \
    level_review, month_review

DAY = date(2026, 11, 20)

# --- ledger ---------------------------------------------------------------------------


def test_a_pending_deduction_counts_in_no_score_until_approved(policy):
    waiting = Entry(id=2, points=-10, day=DAY, code="missed", state=PENDING)
    assert monthly_score(policy, [entry(1, -2, "late"), waiting]) == 98
    assert standing([waiting]) == []
    assert monthly_score(policy, [entry(1, -2, "late"), Entry(id=2, points=-10, day=DAY, state=UPHELD)]) == 88


@pytest.mark.parametrize("points, waits", [(-5, False), (-6, True), (-10, True), (-20, True), (10, False), (20, False)])
def test_only_a_deduction_of_more_than_the_threshold_waits(policy, points, waits):
    assert policy.approval_above == 5
    assert needs_approval(policy, points) is waits


@pytest.mark.parametrize("facts, state", [
    ({"revoked": True}, UNDONE),
    ({"revoked": True, "revoked_as": DECLINE, "pending": True}, DECLINED),
    ({"revoked": True, "revoked_as": ACCEPT, "appealed": True}, ACCEPTED),
    ({"pending": True}, PENDING),
    ({"pending": True, "approved": True}, None),
    ({"pending": True, "approved": True, "appealed": True}, APPEALED),
    ({"appealed": True}, APPEALED),
    ({"appealed": True, "upheld": True}, UPHELD),
    ({}, None),
])
def test_where_an_entry_stands(facts, state):
    given = {"revoked_as": None, "revoked": False, "pending": False, "approved": False, "appealed": False,
             "upheld": False, **facts}
    assert entry_state(**given) == state


def test_an_absence_waiting_for_approval_is_recorded_for_the_lateness_rule(policy):
    lates = [entry(n, -2, "late") for n in range(1, 4)]
    assert absence_due(policy, lates) == 3
    assert absence_due(policy, [*lates, Entry(id=4, points=-10, day=DAY, code="absence", state=PENDING)]) is None
    assert absence_due(policy, [*lates, Entry(id=4, points=-10, day=DAY, code="absence", revoked=True)]) == 3



def entry(id: int, points: int, code: str | None = None, revoked: bool = False) -> Entry:
    return Entry(id=id, points=points, day=DAY, code=code, revoked=revoked)


@pytest.mark.parametrize(
    "entries, score",
    [
        ([], 100),
        ([entry(1, -2, "late")], 98),
        ([entry(1, -2, "late"), entry(2, -3, "early"), entry(3, 10, "media")], 105),
        ([entry(1, -10, "missed"), entry(2, 2, "letter"), entry(3, -2, "late", revoked=True)], 92),
        ([entry(1, -5, "refusal", revoked=True), entry(2, 20, "test95", revoked=True)], 100),
        ([entry(n, -5, "security") for n in range(25)], -25),  # no floor at zero
    ],
    ids=["no-entries", "late", "mixed", "one-revoked", "all-revoked", "many-deductions"],
)
def test_monthly_score(policy, entries, score):
    assert monthly_score(policy, entries) == score


def test_standing_drops_revoked_entries():
    kept, revoked = entry(1, -2, "late"), entry(2, 5, "contest", revoked=True)
    assert standing([kept, revoked]) == [kept]


@pytest.mark.parametrize(
    "points, problem",
    [(-3, "zero"), (0, "zero"), (1, None), (10, None), (20, None), (21, "too_many"), (100, "too_many")],
    ids=str,
)
def test_points_problem(policy, points, problem):
    assert points_problem(policy, points) == problem


# --- leaderboard ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, ranks",
    [
        ([("a", 90.0), ("b", 80.0), ("c", 80.0), ("d", 70.0)], [("a", 1), ("b", 2), ("c", 2), ("d", 4)]),
        ([("d", 70.0), ("b", 80.0), ("a", 90.0), ("c", 80.0)], [("a", 1), ("b", 2), ("c", 2), ("d", 4)]),
        ([("a", 5.0), ("b", 5.0), ("c", 5.0)], [("a", 1), ("b", 1), ("c", 1)]),
        ([("a", 9.0), ("b", 9.0), ("c", 7.0), ("d", 7.0), ("e", 7.0), ("f", 1.0)],
         [("a", 1), ("b", 1), ("c", 3), ("d", 3), ("e", 3), ("f", 6)]),
        ([("a", 1.5)], [("a", 1)]),
        ([], []),
        ([("a", -1.0), ("b", 0.0)], [("b", 1), ("a", 2)]),
    ],
    ids=["1-2-2-4", "unsorted-input", "all-equal", "1-1-3-3-3-6", "single", "empty", "negative"],
)
def test_rank(values, ranks):
    assert [(p.key, p.rank) for p in rank(values)] == ranks


def test_rank_keeps_the_values():
    assert rank([("a", 103.0), ("b", 98.5)]) == [Place(1, "a", 103.0), Place(2, "b", 98.5)]


def test_place_of():
    places = rank([("a", 90.0), ("b", 80.0), ("c", 80.0), ("d", 70.0)])
    assert place_of(places, "c") == Place(2, "c", 80.0)
    assert place_of(places, "d") == Place(4, "d", 70.0)
    assert place_of(places, "z") is None
    assert place_of([], "a") is None


# --- month-end review -----------------------------------------------------------------


@pytest.mark.parametrize(
    "scores, below_pass, below_streak",
    [
        ([90, 59], True, False),  # below the pass mark this month
        ([90, 60], False, False),  # 60 passes
        ([79, 79], False, True),  # below 80 two months running
        ([79, 80], False, False),  # 79 then 80 is not a streak
        ([80, 79], False, False),  # only this month below 80
        ([70, 59], True, True),
        ([79], False, False),  # one month of history: no streak yet
        ([59], True, False),
        ([79, 79, 79], False, True),
        ([50, 85, 79], False, False),
    ],
    ids=["59", "60", "79-79", "79-80", "80-79", "70-59", "only-79", "only-59", "79-79-79",
         "50-85-79"],
)
def test_month_review(policy, scores, below_pass, below_streak):
    review = month_review(policy, scores)
    assert review == MonthReview(scores[-1], below_pass, below_streak)
    assert review.retraining is (below_pass or below_streak)


# --- level review ---------------------------------------------------------------------


@pytest.mark.parametrize("month", range(1, 13), ids=lambda m: f"{m:02d}")
def test_level_review_months(policy, month):
    assert is_level_review_month(policy, Month(2026, month)) is (month in (3, 6, 9, 12))


@pytest.mark.parametrize(
    "scores, outcome",
    [
        ([80.0], STAY),
        ([80.01], UP),
        ([70.0], STAY),
        ([69.99], DOWN),
        ([50.0], DOWN),
        ([49.99], DOWN_PROBATION),
        ([100, 80, 60], STAY),  # average 80
        ([100, 81, 60], UP),  # 80.33
        ([70, 70, 70], STAY),
        ([70, 70, 69], DOWN),  # 69.67
        ([50, 50, 50], DOWN),
        ([50, 50, 49], DOWN_PROBATION),  # 49.67
        ([110, 105, 95], UP),
        ([20, 30, -10], DOWN_PROBATION),
    ],
    ids=["80.0", "80.01", "70.0", "69.99", "50.0", "49.99", "avg-80", "avg-80.33", "avg-70",
         "avg-69.67", "avg-50", "avg-49.67", "avg-103", "avg-13"],
)
def test_level_review_bands(policy, scores, outcome):
    assert level_review(policy, scores) == outcome
