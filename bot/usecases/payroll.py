"""The month for payroll: one row per agent assessed, with the month's numbers, its quota and
attainment, the score and every entry, the rank, the outcome for pay and the review flags."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.config.center import Center
from bot.store import queries
from bot.usecases.reviews import Review, month_end
from bot.usecases.standings import Standing
from scoring.calendar import Month
from scoring.outcome import Outcome, month_outcome
from scoring.policy import Tier
from scoring.quotas import tier_on


@dataclass(frozen=True)
class PayRow:
    standing: Standing
    rank: int | None  # None: not ranked (no assessed day, or leaving in the month)
    tier: Tier  # on the month's last day, or the agent's last day when they left in it
    members: int | None  # developed in the month, every day counted; None when none were reported
    outcome: Outcome | None
    review: Review


def payroll(*, session: Session, center: Center, month: Month) -> list[PayRow]:
    """Every agent assessed in `month`, by employee ID."""
    end = month_end(session=session, center=center, month=month)
    members = queries.members_by_agent(session=session, start=month.first, end=month.last)
    rows = []
    for employee_id, standing in sorted(end.board.all.items()):
        agent = queries.as_rules_agent(standing.agent)
        place = end.board.place_of(employee_id)
        last = min(month.last, agent.leave_date or month.last)
        got = members.get(standing.agent.id)
        outcome = None if got is None else month_outcome(center.policy, center.calendar, agent, standing.month, got)
        rows.append(PayRow(standing, place.rank if place else None, tier_on(center.policy, agent, last), got, outcome,
                           end.reviews[employee_id]))
    return rows
