"""The month's members developed against the incentive target (激励量), and its outcome for pay
once the month is over: for /mystats and the month-end round."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session

from bot.config.center import Center
from bot.store import queries
from bot.usecases.standings import Standing
from scoring.outcome import Incentive, month_incentive


def incentives(*, session: Session, center: Center, standings: Iterable[Standing], today: date,
               agent_id: int | None = None) -> dict[str, Incentive | None]:
    """Each standing's incentive, by employee ID (one query for them all; `agent_id` narrows it
    when there is one). A month is over once its last day is past and shown in full. An agent
    whose days reported no members has none (None)."""
    standings = list(standings)
    if not standings:
        return {}
    month = standings[0].month
    members = queries.members_by_agent(session=session, start=month.month.first, end=month.through,
                                       agent_id=agent_id)
    over = month.through >= month.month.last and month.month.last < today
    return {s.agent.employee_id: month_incentive(center.policy, center.calendar, queries.as_rules_agent(s.agent),
                                                 s.month, members.get(s.agent.id), over)
            for s in standings}
