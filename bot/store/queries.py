"""Reading the store: keyword-only functions of a session, returning rows or plain values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import Row, and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from bot.store.models import Agent, DailyStat, JobRun, LedgerEntry, Revision, StatsPull, Team, TeamLead
from scoring import permissions, quotas
from scoring.calendar import Month
from scoring.ledger import APPEAL, APPROVE, REJECT, Entry, entry_state
from scoring.progress import Totals
from scoring.schedule import MONTH_END


_REVOCATION, _AUTHOR = aliased(LedgerEntry), aliased(Agent)  # made once: an alias is costly to make
_APPROVAL, _APPEAL, _REJECTION = (aliased(LedgerEntry) for _ in range(3))  # made once, as the two above


def agent_by_employee_id(*, session: Session, employee_id: str) -> Agent | None:
    """The agent with this employee ID; as typed first, then without case (a04 for A04)."""
    wanted = employee_id.strip()
    return (session.exec(select(Agent).where(Agent.employee_id == wanted)).first()
            or session.exec(select(Agent).where(func.lower(Agent.employee_id) == wanted.lower())
                            .order_by(Agent.id)).first())


def agent_by_email(*, session: Session, email: str) -> Agent | None:
    """The agent with this email, compared without case."""
    return session.exec(select(Agent).where(func.lower(Agent.email) == email.strip().lower())
                        .order_by(Agent.id)).first()


def person(*, session: Session, agent: Agent) -> permissions.Person:
    """What the permission rules need of `agent`."""
    return as_person(agent, frozenset(led_team_ids(session=session, agent=agent)))


def as_person(agent: Agent, led_team_ids: frozenset[int] = frozenset()) -> permissions.Person:
    """What the permission rules need of `agent`, who leads `led_team_ids`."""
    return permissions.Person(agent.id, agent.role, agent.team_id, led_team_ids)


def digest_readers(*, session: Session) -> list[Agent]:
    """Who gets the morning digest (active leads), by employee ID."""
    return _active_in(session, permissions.DIGEST_READERS)


def review_readers(*, session: Session) -> list[Agent]:
    """Who gets the month-end review list (active leads, managers and admins), by employee ID."""
    return _active_in(session, permissions.REVIEW_READERS)


def pull_readers(*, session: Session) -> list[Agent]:
    """Who is told of the stats pulls' problems (active admins), by employee ID."""
    return _active_in(session, permissions.PULL_READERS)


def _active_in(session: Session, roles: tuple[str, ...]) -> list[Agent]:
    return list(session.exec(select(Agent).where(Agent.role.in_(roles), Agent.active)
                             .order_by(Agent.employee_id)).all())


def admins(*, session: Session) -> list[Agent]:
    """The active admins, by employee ID."""
    return _active_in(session, ("admin",))


def contacts(*, session: Session) -> list[Agent]:
    """Whom to ask about the roster: active managers and admins, by name."""
    return list(session.exec(select(Agent).where(Agent.role.in_(permissions.EVERYONE), Agent.active)
                             .order_by(Agent.name)).all())


def team_names(*, session: Session, team_id: int | None = None) -> dict[int, str]:
    """Every team's name (or only `team_id`'s), by team ID."""
    query = select(Team.id, Team.name)
    if team_id is not None:
        query = query.where(Team.id == team_id)
    return dict(session.exec(query).all())


def led_team_ids(*, session: Session, agent: Agent) -> list[int]:
    """The teams `agent` leads."""
    return list(session.exec(select(TeamLead.team_id).where(TeamLead.agent_id == agent.id)).all())


def led_teams(*, session: Session) -> dict[int, frozenset[int]]:
    """The teams each lead leads, by the lead's ID: one query for a round's many readers."""
    found: dict[int, set[int]] = defaultdict(set)
    for agent_id, team_id in session.exec(select(TeamLead.agent_id, TeamLead.team_id)).all():
        found[agent_id].add(team_id)
    return {agent_id: frozenset(teams) for agent_id, teams in found.items()}


def as_rules_agent(agent: Agent) -> quotas.Agent:
    """The part of a roster row the rules read."""
    return quotas.Agent(agent.employee_id, agent.hire_date, agent.leave_date, agent.tier)


def days_by_agent(*, session: Session, start: date, end: date,
                  agent_ids: Collection[int] | None = None) -> dict[int, dict[date, Totals]]:
    """Every agent's days from `start` to `end`, both included (only those of `agent_ids`, when
    given)."""
    query = (select(DailyStat.agent_id, DailyStat.day, DailyStat.calls, DailyStat.talk_seconds,
                    DailyStat.members)
             .where(DailyStat.day >= start, DailyStat.day <= end))
    if agent_ids is not None:
        if not agent_ids:
            return {}
        query = query.where(DailyStat.agent_id.in_(agent_ids))
    found: dict[int, dict[date, Totals]] = defaultdict(dict)
    for agent_id, day, calls, seconds, members in _rows(session, query):
        found[agent_id][day] = Totals(calls, seconds, members or 0)
    return found


def leads_by_agent(*, session: Session, start: date, end: date) -> dict[int, tuple[int, int]]:
    """Each agent's leads assigned and contacted from `start` to `end`, both included, summed over
    the days that report them."""
    rows = session.exec(
        select(DailyStat.agent_id, func.sum(DailyStat.leads_assigned), func.sum(DailyStat.leads_contacted))
        .where(DailyStat.day >= start, DailyStat.day <= end, DailyStat.leads_assigned.is_not(None))
        .group_by(DailyStat.agent_id)
    ).all()
    return {agent_id: (int(assigned or 0), int(contacted or 0)) for agent_id, assigned, contacted in rows}


def own_entries(*, session: Session, code_prefix: str, start: date, end: date) -> list[tuple[LedgerEntry, bool]]:
    """kpibot's own entries (no author) whose code starts with `code_prefix`, dated from `start`
    to `end`, each with whether it was undone."""
    revocation = aliased(LedgerEntry)
    return [(entry, revoked is not None) for entry, revoked in session.exec(
        select(LedgerEntry, revocation.id)
        .outerjoin(revocation, revocation.revokes_id == LedgerEntry.id)
        .where(LedgerEntry.author_id.is_(None), LedgerEntry.revokes_id.is_(None),
               LedgerEntry.code.startswith(code_prefix), LedgerEntry.day >= start, LedgerEntry.day <= end)
        .order_by(LedgerEntry.id)
    ).all()]


def leads_of(*, session: Session, agent: Agent) -> list[Agent]:
    """The active leads of `agent`'s team, by employee ID."""
    return list(session.exec(
        select(Agent).join(TeamLead, TeamLead.agent_id == Agent.id)
        .where(TeamLead.team_id == agent.team_id, Agent.active).order_by(Agent.employee_id)
    ).all())


def managers_above(*, session: Session, agent: Agent) -> list[Agent]:
    """Whom a matter about `agent` goes up to (an appeal, an approval, leave over the limit): the
    active managers the roster puts over the agent's team (a manager's lead_of), else every active
    manager, else every active admin; by employee ID."""
    over = list(session.exec(
        select(Agent).join(TeamLead, TeamLead.agent_id == Agent.id)
        .where(TeamLead.team_id == agent.team_id, Agent.role == "manager", Agent.active).order_by(Agent.employee_id)
    ).all()) if agent.team_id is not None else []
    return over or _active_in(session, ("manager",)) or admins(session=session)


def members_by_agent(*, session: Session, start: date, end: date, agent_id: int | None = None) -> dict[int, int]:
    """Each agent's members developed from `start` to `end`, both included (or only `agent_id`'s);
    an agent whose days there never reported members is left out (their number is not known)."""
    query = select(DailyStat.agent_id, func.sum(DailyStat.members)).where(DailyStat.day >= start, DailyStat.day <= end)
    if agent_id is not None:
        query = query.where(DailyStat.agent_id == agent_id)
    rows = session.exec(query.group_by(DailyStat.agent_id)).all()
    return {agent_id: int(members) for agent_id, members in rows if members is not None}


def is_closed(*, session: Session, month: Month) -> bool:
    """True once the month-end round about `month` has run: the month is closed."""
    return session.exec(select(JobRun.id).where(JobRun.job == MONTH_END, JobRun.period == str(month),
                                                JobRun.status == "done")).first() is not None


def month_totals(*, session: Session, start: date, end: date, agent_id: int | None = None) -> dict[int, Totals]:
    """Every agent's days (or only `agent_id`'s) from `start` to `end` added up in the database,
    by agent ID: a large center's month is a few hundred thousand rows."""
    query = (select(DailyStat.agent_id, func.sum(DailyStat.calls), func.sum(DailyStat.talk_seconds),
                    func.sum(func.coalesce(DailyStat.members, 0)))
             .where(DailyStat.day >= start, DailyStat.day <= end))
    if agent_id is not None:
        query = query.where(DailyStat.agent_id == agent_id)
    rows = _rows(session, query.group_by(DailyStat.agent_id))
    return {agent_id: Totals(int(calls), int(seconds), int(members)) for agent_id, calls, seconds, members in rows}


def has_stats(*, session: Session, day: date) -> bool:
    """True when the call-center system sent numbers for `day`, for anyone."""
    return session.exec(select(DailyStat.id).where(DailyStat.day == day).limit(1)).first() is not None


def last_pulled(*, session: Session) -> datetime | None:
    """When the stats were last imported (the newest pull without an error), aware; None if never."""
    return session.exec(select(StatsPull.pulled_at).where(StatsPull.error.is_(None))
                        .order_by(StatsPull.pulled_at.desc()).limit(1)).first()


def day_totals(*, session: Session, day: date, agent_id: int | None = None) -> dict[int, Totals]:
    """Every agent's totals on `day` (or only `agent_id`'s)."""
    query = select(DailyStat).where(DailyStat.day == day)
    if agent_id is not None:
        query = query.where(DailyStat.agent_id == agent_id)
    return {r.agent_id: Totals(r.calls, r.talk_seconds, r.members or 0) for r in session.exec(query)}


def ledger_entries(*, session: Session, month: Month, agent_id: int | None = None,
                   through: date | None = None) -> dict[int, list[Entry]]:
    """The month's entries (those dated up to `through`, if given) by agent, oldest first, each
    marked revoked when undone, and with where it stands (scoring.ledger.entry_state): pending,
    appealed, an appeal rejected.

    A revocation undoes its entry whatever day or month the undo happened on; so do the other
    acts on it.
    """
    revocation, author, approval, appeal, rejection = _REVOCATION, _AUTHOR, _APPROVAL, _APPEAL, _REJECTION
    query = (
        select(LedgerEntry.agent_id, LedgerEntry.id, LedgerEntry.points, LedgerEntry.day, LedgerEntry.code,
               LedgerEntry.reason, author.name, revocation.id, revocation.act, LedgerEntry.pending, approval.id,
               appeal.id, rejection.id)
        .outerjoin(revocation, revocation.revokes_id == LedgerEntry.id)
        .outerjoin(author, author.id == LedgerEntry.author_id)
        .outerjoin(approval, and_(approval.refers_id == LedgerEntry.id, approval.act == APPROVE))
        .outerjoin(appeal, and_(appeal.refers_id == LedgerEntry.id, appeal.act == APPEAL))
        .outerjoin(rejection, and_(rejection.refers_id == LedgerEntry.id, rejection.act == REJECT))
        .where(LedgerEntry.day >= month.first, LedgerEntry.day <= (through or month.last),
               LedgerEntry.revokes_id.is_(None), LedgerEntry.refers_id.is_(None))
        .order_by(LedgerEntry.day, LedgerEntry.id)
    )
    if agent_id is not None:
        query = query.where(LedgerEntry.agent_id == agent_id)
    found: dict[int, list[Entry]] = defaultdict(list)
    for (owner, id_, points, day, code, reason, author_name, revoked_by, revoked_as, pending, approved, appealed,
         upheld) in _rows(session, query):
        revoked = revoked_by is not None
        state = entry_state(revoked_as=revoked_as, revoked=revoked, pending=bool(pending),
                            approved=approved is not None, appealed=appealed is not None, upheld=upheld is not None)
        found[owner].append(Entry(id_, points, day, code, reason, author_name, revoked, state))
    return found


def undecided(*, session: Session) -> list[tuple[str, LedgerEntry, str]]:
    """The deductions waiting for a decision, oldest first: each pending one not approved (APPROVE)
    and each appealed one whose appeal is not rejected (APPEAL, with the appeal's reason); none
    revoked."""
    revocation, approval, appeal, rejection = _REVOCATION, _APPROVAL, _APPEAL, _REJECTION
    query = (
        select(LedgerEntry, appeal.reason, approval.id)
        .outerjoin(revocation, revocation.revokes_id == LedgerEntry.id)
        .outerjoin(approval, and_(approval.refers_id == LedgerEntry.id, approval.act == APPROVE))
        .outerjoin(appeal, and_(appeal.refers_id == LedgerEntry.id, appeal.act == APPEAL))
        .outerjoin(rejection, and_(rejection.refers_id == LedgerEntry.id, rejection.act == REJECT))
        .where(revocation.id.is_(None), LedgerEntry.revokes_id.is_(None), LedgerEntry.refers_id.is_(None),
               or_(and_(LedgerEntry.pending, approval.id.is_(None)),
                   and_(appeal.id.is_not(None), rejection.id.is_(None))))
        .order_by(LedgerEntry.id)
    )
    return [(APPEAL if approved is not None or not entry.pending else APPROVE, entry, why or "")
            for entry, why, approved in session.exec(query).all()]


def assessed_agents(*, session: Session, month: Month, agent_id: int | None = None) -> list[Agent]:
    """Agents (role agent) on the roster at some point of `month` (of them, only `agent_id`), by
    employee ID. Each is a plain row of the agent's columns, read by name as an Agent's are (and
    not to be changed): a large center has tens of thousands, and ORM objects cost ten times as
    much to load."""
    query = (select(*Agent.__table__.columns)
             .where(Agent.role.in_(permissions.ASSESSED), Agent.hire_date <= month.last,
                    or_(Agent.leave_date.is_(None), Agent.leave_date >= month.first))
             .where(or_(Agent.active, Agent.leave_date.is_not(None)))
             .order_by(Agent.employee_id))
    if agent_id is not None:
        query = query.where(Agent.id == agent_id)
    return _rows(session, query)


def revisions(*, session: Session, tables: tuple[str, ...]) -> tuple[int, ...]:
    """How many times each of `tables` has changed (see Revision), in that order."""
    found = dict(session.exec(select(Revision.name, Revision.n).where(Revision.name.in_(tables))).all())
    return tuple(found[t] for t in tables)


def _rows(session: Session, query) -> list[Row]:
    """The rows of a query of columns, read on the session's connection: without the ORM's
    handling of each row, which a large center's tens of thousands of rows do not need."""
    return list(session.connection().execute(query).all())
