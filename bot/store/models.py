"""The tables. The schema itself changes only through the Alembic migrations in migrations/."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

ROLES = ("agent", "lead", "manager", "admin")



def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)


class Agent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    employee_id: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=100)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)  # agents and leads have one
    role: str = Field(max_length=20)  # one of ROLES
    hire_date: date
    leave_date: date | None = None
    tier: str | None = Field(default=None, max_length=50)  # overrides the tenure rule
    slack_user_id: str | None = Field(default=None, max_length=50, unique=True)
    slack_dm_channel: str | None = Field(default=None, max_length=50)  # remembered: opening one is rate-limited
    wecom_user_id: str | None = Field(default=None, max_length=100, unique=True)
    email: str | None = Field(default=None, max_length=200, index=True)
    locale: str | None = Field(default=None, max_length=10)
    active: bool = True


class TeamLead(SQLModel, table=True):
    """Which teams a lead leads."""

    __tablename__ = "team_lead"
    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    team_id: int = Field(foreign_key="team.id", primary_key=True)


class DailyStat(SQLModel, table=True):
    """One agent's day, as the call-center system counted it. Unique per agent and day."""

    __tablename__ = "daily_stat"
    __table_args__ = (UniqueConstraint("agent_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id")
    day: date = Field(index=True)
    calls: int
    talk_seconds: int
    members: int | None = None
    leads_assigned: int | None = None
    leads_contacted: int | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class LedgerEntry(SQLModel, table=True):
    """A deduction or award, or an act on one: its revocation (an undo, a declined approval, an
    accepted appeal), its approval, an appeal of it, an appeal's rejection. Rows are never updated
    or deleted."""

    __tablename__ = "ledger_entry"
    # one agent's month is read by agent and day (read by revokes_id, SQLite would scan the ledger)
    __table_args__ = (Index("ix_ledger_entry_agent_id_day", "agent_id", "day"),
                      Index("ix_ledger_entry_refers_id_act", "refers_id", "act", unique=True))
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id")
    day: date = Field(index=True)  # the center-local day it counts for
    points: int  # signed: a deduction is negative; 0 on a revocation
    code: str | None = Field(default=None, max_length=20)
    reason: str = Field(max_length=500)
    author_id: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = Field(default_factory=utcnow)
    revokes_id: int | None = Field(default=None, foreign_key="ledger_entry.id", unique=True)
    pending: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # counts once approved
    refers_id: int | None = Field(default=None, foreign_key="ledger_entry.id")  # the entry an act is about
    act: str | None = Field(default=None, max_length=20)  # scoring.ledger's APPROVE, APPEAL, …


class Delivery(SQLModel, table=True):
    """A message to one person or channel, claimed by its unique key before it is sent."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # e.g. morning:2026-11-23:A001
    recipient: str = Field(max_length=100)  # an employee ID, or #channel
    platform: str = Field(max_length=20)  # the platform it goes out on (slack, console, …)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # the message as JSON
    status: str = Field(default="pending", max_length=20, index=True)  # pending, sending, sent, failed
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=100)  # host:pid of the sender
    sent_at: datetime | None = None


class JobRun(SQLModel, table=True):
    """One run of a scheduled job for one period (a day, a month), claimed before it starts."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=30)  # morning, month-end, pull
    period: str = Field(max_length=20)  # 2026-11-23, 2026-10
    status: str = Field(default="running", max_length=20)  # running, done
    started_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime = Field(default_factory=utcnow)  # a run whose heartbeat stops is taken over
    runner: str | None = Field(default=None, max_length=100)  # host:pid; taken over at once once gone
    finished_at: datetime | None = None
    summary: str | None = Field(default=None, max_length=500)  # JSON: sent, pending and failed counts


class StatsPull(SQLModel, table=True):
    """A file the stats pull has read: imported, or not and why. A file whose content is the
    same as at its last pull is not imported again."""

    __tablename__ = "stats_pull"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300, index=True)
    sha256: str = Field(max_length=64)  # empty when the file could not be fetched
    rows: int = 0
    added: int = 0
    updated: int = 0
    skipped: int = 0  # bad rows left out
    skipped_rows: str | None = Field(default=None, sa_type=Text)  # the first of them, as JSON
    error: str | None = Field(default=None, max_length=500)  # why it was not imported, in KPIBOT_LOCALE
    problem: str | None = Field(default=None, sa_type=Text)  # the same as a catalogue code and fields (JSON)
    pulled_at: datetime = Field(default_factory=utcnow, index=True)


class AccessToken(SQLModel, table=True):
    """A platform's API token, shared by every kpibot process; one of them renews it at a time."""

    __tablename__ = "access_token"
    platform: str = Field(primary_key=True, max_length=20)  # wecom
    token: str | None = Field(default=None, max_length=600)
    expires_at: datetime | None = None
    renewing_until: datetime | None = None  # a process is fetching a new token until then
    renewed_by: str | None = Field(default=None, max_length=100)  # host:pid


class SeenMessage(SQLModel, table=True):
    """A message a platform's callback delivered, taken in once though the platform retries it."""

    __tablename__ = "seen_message"
    __table_args__ = (UniqueConstraint("platform", "message_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    message_id: str = Field(max_length=200)  # WeCom's MsgId, or its event's own key
    seen_at: datetime = Field(default_factory=utcnow, index=True)


class Revision(SQLModel, table=True):
    """How many times a table the rankings are read from has changed. Bumped by the database's
    own triggers (see migration 0010), so that every writer, kpibot or not, is counted."""

    name: str = Field(primary_key=True, max_length=30)  # daily_stat, ledger_entry or agent
    n: int = Field(default=0, sa_type=BigInteger)
