"""Who may undo an entry: its author, a manager or an admin; kpibot's own entries (no author),
the leads of the agent's team as well. Who approves a large deduction or decides an appeal: a
manager or admin other than its author; who appeals: the agent it is about."""

from __future__ import annotations

import pytest

from scoring.permissions import Person, appeal_refusal, decision_refusal, undo_refusal

AGENT = Person(1, "agent", team_id=10)
LEAD = Person(2, "lead", team_id=None, led_team_ids=frozenset({10}))
OTHER_LEAD = Person(3, "lead", team_id=None, led_team_ids=frozenset({20}))
MANAGER = Person(4, "manager", team_id=None)


@pytest.mark.parametrize(("actor", "author_id", "refusal"), [
    (LEAD, 2, None),  # their own entry
    (OTHER_LEAD, 2, "not_author"),
    (MANAGER, 2, None),
    (LEAD, None, None),  # kpibot's entry about an agent of their team
    (OTHER_LEAD, None, "not_author"),  # ... not of theirs
    (MANAGER, None, None),
    (AGENT, None, "not_author"),  # nobody undoes their own deduction
])
def test_who_may_undo(actor, author_id, refusal):
    assert undo_refusal(actor, author_id, AGENT) == refusal


ADMIN = Person(5, "admin", team_id=None)


@pytest.mark.parametrize(("actor", "author_id", "refusal"), [
    (MANAGER, 2, None),
    (ADMIN, 2, None),
    (MANAGER, 4, "own_entry"),  # two people, not one: whoever recorded it never decides on it
    (ADMIN, None, None),  # kpibot's own entry
    (LEAD, None, "not_manager"),
    (AGENT, 2, "not_manager"),
])
def test_who_may_approve_a_deduction_or_decide_an_appeal(actor, author_id, refusal):
    assert decision_refusal(actor, author_id, AGENT) == refusal


def test_a_manager_never_decides_on_an_entry_about_themselves():
    assert decision_refusal(MANAGER, 5, MANAGER) == "about_you"


@pytest.mark.parametrize(("actor", "refusal"), [(AGENT, None), (LEAD, "not_yours"), (MANAGER, "not_yours")])
def test_only_the_agent_appeals_an_entry_about_them(actor, refusal):
    assert appeal_refusal(actor, AGENT) == refusal
