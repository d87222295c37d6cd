"""Command texts, parsed: pure functions shared by Slack, WeCom and the console.

    /mystats [today|yesterday|month|YYYY-MM-DD|YYYY-MM]
    /deduct @agent POINTS REASON...   or   /deduct @agent CODE [NOTE...]
    /award  @agent POINTS REASON...   or   /award  @agent CODE [NOTE...]
    /leaderboard [YYYY-MM]
    /teamstats [YYYY-MM-DD]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from scoring.calendar import Month
from scoring.ledger import points_problem
from scoring.policy import CatalogItem, Policy
from scoring.problems import Problem

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
FIRST_WORD = re.compile(r"\s*(<@[UW][A-Z0-9]+\|[^>]*>|\S+)\s*(.*)", re.DOTALL)  # a mention's label may hold spaces
WHOLE = re.compile(r"^[+-]?\d+$")
NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
MOST_NOTE = 300


class CommandError(Problem):
    """A command that cannot be carried out; `command` names its usage line."""

    def __init__(self, code: str, command: str, /, **fields):
        super().__init__(f"command.{code}", **fields)
        self.command = command


@dataclass(frozen=True)
class AgentRef:
    """Who a command names: a chat user ID (from a mention) or an employee ID."""

    slack_user_id: str | None = None
    employee_id: str | None = None

    def __str__(self) -> str:
        return f"<@{self.slack_user_id}>" if self.slack_user_id else str(self.employee_id)


@dataclass(frozen=True)
class PointsRequest:
    kind: str  # deduct or award
    target: AgentRef
    points: int
    code: str | None
    note: str


@dataclass(frozen=True)
class Period:
    """What /mystats asks about: a day (with its month up to it) or a whole month."""

    month: Month
    day: date | None


def words(text: str) -> list[str]:
    return text.split()


def agent_ref(word: str) -> AgentRef:
    """`<@U123>`, `<@U123|name>` or an employee ID."""
    mention = MENTION.match(word)
    return AgentRef(slack_user_id=mention.group(1)) if mention else AgentRef(employee_id=word)


def parse_points(kind: str, text: str, policy: Policy) -> PointsRequest:
    """`@agent POINTS REASON...` or `@agent CODE [NOTE...]`; CommandError when wrong."""
    first = FIRST_WORD.fullmatch(text)
    if first is None:
        raise CommandError("usage", kind)
    parts = first.group(2).split(maxsplit=1)
    if not parts:
        raise CommandError("no_points", kind)
    target, what = agent_ref(first.group(1)), parts[0]
    note = parts[1].strip() if len(parts) > 1 else ""
    if len(note) > MOST_NOTE:
        raise CommandError("note_too_long", kind, most=MOST_NOTE)
    if NUMBER.match(what):
        return PointsRequest(kind, target, _points(kind, what, policy), None, _reason(kind, note))
    item = policy.item(what, kind)
    if item is None:
        other = policy.catalog.get(what.lower())
        if other is not None:
            raise CommandError("wrong_kind", kind, given=what, other=f"/{other.kind}")
        raise CommandError("unknown_code", kind, given=what, codes=codes(policy, kind))
    return PointsRequest(kind, target, item.points, item.code, note)


def _points(kind: str, word: str, policy: Policy) -> int:
    if not WHOLE.match(word):
        raise CommandError("fractional", kind, points=word)
    if len(word.lstrip("+-")) > 6:  # far past any limit (and past what int() takes in one go)
        raise CommandError("too_many", kind, points=word[:12] + "…", most=policy.max_points)
    points = int(word)
    if points < 0:
        raise CommandError("negative", kind, points=word)
    problem = points_problem(policy, points)
    if problem is not None:
        raise CommandError(problem, kind, points=word, most=policy.max_points)
    return points


def _reason(kind: str, note: str) -> str:
    if not note:
        raise CommandError("no_reason", kind)
    return note


def codes(policy: Policy, kind: str) -> str:
    """The catalogue codes of `kind`, for a usage line."""
    return ", ".join(item.code for item in catalogue(policy, kind))


def catalogue(policy: Policy, kind: str) -> list[CatalogItem]:
    return [item for item in policy.catalog.values() if item.kind == kind]


def parse_period(text: str, today: date, command: str = "mystats") -> Period:
    """today (default), yesterday, month, YYYY-MM-DD or YYYY-MM; not a day still to come."""
    period = _period(text, today, command)
    if (period.day or period.month.first) > today:
        raise CommandError("future", command, value=text.strip())
    return period


def _period(text: str, today: date, command: str) -> Period:
    word = text.strip().lower()
    if word in ("", "today", "今天"):
        return Period(Month.of(today), today)
    if word in ("yesterday", "昨天"):
        return Period(Month.of(today - timedelta(days=1)), today - timedelta(days=1))
    if word in ("month", "本月"):
        return Period(Month.of(today), None)
    return _dated(word, command)


def _dated(word: str, command: str) -> Period:
    try:
        day = date.fromisoformat(word)
        return Period(Month.of(day), day)
    except ValueError:
        pass
    try:
        return Period(Month.parse(word), None)
    except ValueError:
        raise CommandError("bad_period", command, value=word) from None


def parse_month(text: str, today: date, command: str = "leaderboard") -> Month:
    """YYYY-MM, or this month when empty; not a month still to come."""
    if not text.strip():
        return Month.of(today)
    try:
        month = Month.parse(text)
    except ValueError:
        raise CommandError("bad_month", command, value=text.strip()) from None
    if month.first > today:
        raise CommandError("future_month", command, value=text.strip())
    return month


def parse_day(text: str, today: date, command: str = "teamstats") -> date:
    """YYYY-MM-DD, or today when empty; not a day still to come."""
    if not text.strip():
        return today
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError("bad_date", command, value=text.strip()) from None
    if day > today:
        raise CommandError("future", command, value=text.strip())
    return day
