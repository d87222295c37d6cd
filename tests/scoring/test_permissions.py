"""Who may undo an entry: its author, a manager or an admin; kpibot's own entries (no author),
the leads of the agent's team as well."""

from __future__ import annotations

import pytest

from scoring.permissions import Person, undo_refusal

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
