"""The policy: every number of the rules, parsed and checked from plain data (a TOML table)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from scoring.problems import Problem

LOCALES = ("en", "zh-CN")
METRICS = ("attainment", "score", "calls", "talk_minutes")
KINDS = ("deduct", "award")


class PolicyError(Problem):
    """A policy file with a wrong key, type or value: `reason` is a code, `fields` its details."""

    def __init__(self, source: str, key: str, reason: str, **details: Any):
        super().__init__(f"policy.{reason}", source=source, key=key, **details)
        self.source, self.key, self.reason = source, key, reason


@dataclass(frozen=True)
class Label:
    en: str
    zh: str

    def in_(self, locale: str) -> str:
        """The label in `locale` (zh-CN or en)."""
        return self.zh if locale == "zh-CN" else self.en


@dataclass(frozen=True)
class Tier:
    name: str
    label: Label
    daily_calls: int
    daily_talk_minutes: int
    monthly_members: int  # the incentive target (激励量); the month's basic quota is the days' added up


@dataclass(frozen=True)
class CatalogItem:
    code: str
    kind: str  # "deduct" or "award"
    points: int  # always positive; the kind gives the sign
    label: Label


@dataclass(frozen=True)
class ContactStep:
    below: float
    points: int


@dataclass(frozen=True)
class Policy:
    timezone: str
    calendar: str
    holidays: frozenset[date]
    working_days: frozenset[date]
    new_hire_months: int
    exempt_days: int
    tiers: Mapping[str, Tier]
    base_score: int
    pass_mark: int
    max_points: int
    retraining_below: int
    retraining_months: int
    review_months: int
    level_up_above: float
    level_stay_from: float
    level_down_from: float
    leaderboard_metric: str
    leaderboard_places: int
    contact_target: float
    contact_ladder: tuple[ContactStep, ...]
    contact_window_weeks: int  # misses in this many weeks before count toward the ladder
    incentive_only_cut: int  # off the base pay when the incentive target is met and the basic quota not
    lateness_count: int  # this many late or early entries in a month count as a day's absence (001)
    lateness_codes: tuple[str, ...]  # the deductions that count (late, early)
    absence_code: str  # the deduction proposed for the day's absence
    approval_above: int  # a deduction of more points than this counts once a manager approves it
    catalog: Mapping[str, CatalogItem]
    morning_at: time
    month_end_at: time
    pull_at: time  # the first stats pull of a working day
    pull_until: time  # the last starts no later
    pull_every_minutes: int  # 0: once a day, at pull_at
    catch_up_hours: int

    def item(self, code: str, kind: str) -> CatalogItem | None:
        """The catalogue entry `code` of `kind`, or None."""
        found = self.catalog.get(code.lower())
        return found if found is not None and found.kind == kind else None


# --- a small checker: every reader takes (value, key) and returns the parsed value ---

Reader = Callable[[Any, str], Any]


class _Invalid(Exception):
    def __init__(self, key: str, reason: str, **details: Any):
        self.key, self.reason, self.details = key, reason, details


def _whole(low: int, high: int | None = None) -> Reader:
    def read(value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(key, "not_whole", value=_shown(value))
        if value < low or (high is not None and value > high):
            raise _Invalid(key, "out_of_range", value=value, low=low,
                           high=high if high is not None else "∞")
        return value

    return read


def _number(low: float, high: float) -> Reader:
    def read(value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid(key, "not_number", value=_shown(value))
        if not low <= value <= high:
            raise _Invalid(key, "out_of_range", value=value, low=low, high=high)
        return float(value)

    return read


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(key, "not_text", value=_shown(value))
    return value.strip()


def _choice(*options: str) -> Reader:
    def read(value: Any, key: str) -> str:
        if value not in options:
            raise _Invalid(key, "not_choice", value=_shown(value), options=", ".join(options))
        return value

    return read


def _clock(value: Any, key: str) -> time:
    if isinstance(value, time):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError
        return time.fromisoformat(value.strip())
    except ValueError:
        raise _Invalid(key, "not_time", value=_shown(value)) from None


def _dates(value: Any, key: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise _Invalid(key, "not_dates", value=_shown(value))
    for n, item in enumerate(value):
        if not isinstance(item, date) or hasattr(item, "hour"):
            raise _Invalid(f"{key}[{n}]", "not_date", value=_shown(item))
    return frozenset(value)


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "{…}"
    return repr(value) if isinstance(value, str) else str(value)


def _table(value: Any, key: str, fields: Mapping[str, Reader]) -> dict[str, Any]:
    """Read a table whose keys are exactly `fields`."""
    if not isinstance(value, dict):
        raise _Invalid(key, "not_table", value=_shown(value))
    for name in value:
        if name not in fields:
            raise _Invalid(_join(key, name), "unknown_key", options=", ".join(fields))
    missing = [name for name in fields if name not in value]
    if missing:
        raise _Invalid(_join(key, missing[0]), "missing")
    return {name: read(value[name], _join(key, name)) for name, read in fields.items()}


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _fields(**fields: Reader) -> Reader:
    return lambda value, key: _table(value, key, fields)


def _label(value: Any, key: str) -> Label:
    got = _table(value, key, {"en": _text, "zh-CN": _text})
    return Label(got["en"], got["zh-CN"])


_TIER = _fields(
    label=_label,
    daily=_fields(calls=_whole(1), talk_minutes=_whole(1)),
    monthly=_fields(members=_whole(0)),
)
_ITEM = _fields(points=_whole(1), en=_text, **{"zh-CN": _text})
_SCHEMA = _fields(
    center=_fields(timezone=_text, calendar=_text, holidays=_dates, working_days=_dates),
    tenure=_fields(new_hire_months=_whole(0, 120), exempt_days=_whole(0, 365)),
    tiers=lambda value, key: _tiers(value, key),
    score=_fields(
        base=_whole(1, 1000),
        pass_mark=_whole(0, 1000),
        max_points_per_entry=_whole(1, 1000),
        retraining_below=_whole(0, 1000),
        retraining_months=_whole(1, 12),
    ),
    levels=_fields(months=_whole(1, 12), up_above=_number(0, 1000), stay_from=_number(0, 1000),
                   down_from=_number(0, 1000)),
    leaderboard=_fields(metric=_choice(*METRICS), public_places=_whole(1, 50)),
    contact_rate=_fields(target=_number(0, 1), window_weeks=_whole(1, 52),
                         ladder=lambda value, key: _ladder(value, key)),
    pay=_fields(incentive_only_cut=_whole(0, 1_000_000)),
    lateness=_fields(count=_whole(1, 31), codes=lambda value, key: _codes(value, key), absence=_text),
    approvals=_fields(above=_whole(0, 1000)),
    schedule=_fields(morning=_clock, month_end=_clock, pull=_clock, pull_until=_clock,
                     pull_every_minutes=_whole(0, 720), catch_up_hours=_whole(0, 12)),
    deductions=lambda value, key: _catalog(value, key),
    awards=lambda value, key: _catalog(value, key),
)


def _tiers(value: Any, key: str) -> dict[str, Tier]:
    if not isinstance(value, dict):
        raise _Invalid(key, "not_table", value=_shown(value))
    for required in ("new_hire", "veteran"):
        if required not in value:
            raise _Invalid(_join(key, required), "missing_tier")
    tiers = {}
    for name, raw in value.items():
        _refuse_monthly_quota(raw, _join(key, name))
        got = _TIER(raw, _join(key, name))
        tiers[name] = Tier(name, got["label"], got["daily"]["calls"], got["daily"]["talk_minutes"],
                           got["monthly"]["members"])
    return tiers


def _refuse_monthly_quota(raw: Any, key: str) -> None:
    # A monthly calls or minutes figure beside the daily one would tell a second story in any
    # month that is not 22 working days long; the month is the days' quotas added up.
    monthly = raw.get("monthly") if isinstance(raw, dict) else None
    for name in ("calls", "talk_minutes"):
        if isinstance(monthly, dict) and name in monthly:
            raise _Invalid(f"{key}.monthly.{name}", "monthly_quota_removed", daily=f"{key}.daily.{name}")


def _codes(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(code, str) for code in value):
        raise _Invalid(key, "not_codes", value=_shown(value))
    return tuple(value)


def _ladder(value: Any, key: str) -> tuple[ContactStep, ...]:
    if not isinstance(value, list) or not value:
        raise _Invalid(key, "not_ladder")
    read = _fields(below=_number(0, 1), points=_whole(0, 100))
    steps = tuple(ContactStep(**read(step, f"{key}[{n}]")) for n, step in enumerate(value))
    return steps


def _catalog(value: Any, key: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise _Invalid(key, "not_table", value=_shown(value))
    items = {}
    for code, raw in value.items():
        if not (code.isascii() and code.replace("_", "").isalnum() and code == code.lower()
                and len(code) <= 20):
            raise _Invalid(_join(key, code), "bad_code")
        items[code] = _ITEM(raw, _join(key, code))
    return items


def parse_policy(data: Mapping[str, Any], source: str = "policy") -> Policy:
    """Check `data` (a parsed TOML document) and build the Policy; raises PolicyError."""
    try:
        got = _SCHEMA(dict(data), "")
        _check_consistency(got)
    except _Invalid as bad:
        raise PolicyError(source, bad.key, bad.reason, **bad.details) from None
    return _build(got)


def _check_consistency(got: dict[str, Any]) -> None:
    score, levels = got["score"], got["levels"]
    for name in ("max_points_per_entry", "pass_mark", "retraining_below"):
        if score[name] > score["base"]:
            raise _Invalid(f"score.{name}", "exceeds_base")
    if not levels["up_above"] >= levels["stay_from"] >= levels["down_from"]:
        raise _Invalid("levels", "level_order")
    both = set(got["deductions"]) & set(got["awards"])
    if both:
        raise _Invalid(f"awards.{sorted(both)[0]}", "duplicate_code")
    for section in ("deductions", "awards"):
        for code, item in got[section].items():
            if item["points"] > score["max_points_per_entry"]:
                raise _Invalid(f"{section}.{code}.points", "exceeds_max")
    belows = [step.below for step in got["contact_rate"]["ladder"]]
    if belows != sorted(belows):
        raise _Invalid("contact_rate.ladder", "ladder_order")
    for n, code in enumerate((*got["lateness"]["codes"], got["lateness"]["absence"])):
        if code not in got["deductions"]:
            where = f"lateness.codes[{n}]" if n < len(got["lateness"]["codes"]) else "lateness.absence"
            raise _Invalid(where, "not_a_deduction", value=code)
    schedule = got["schedule"]
    if schedule["pull_until"] <= schedule["pull"]:
        raise _Invalid("schedule.pull_until", "pull_window", value=schedule["pull_until"], pull=schedule["pull"])


def _build(got: dict[str, Any]) -> Policy:
    catalog = {
        code: CatalogItem(code, kind, item["points"], Label(item["en"], item["zh-CN"]))
        for kind, section in (("deduct", "deductions"), ("award", "awards"))
        for code, item in got[section].items()
    }
    center, score, levels = got["center"], got["score"], got["levels"]
    return Policy(
        timezone=center["timezone"],
        calendar=center["calendar"],
        holidays=center["holidays"],
        working_days=center["working_days"],
        new_hire_months=got["tenure"]["new_hire_months"],
        exempt_days=got["tenure"]["exempt_days"],
        tiers=got["tiers"],
        base_score=score["base"],
        pass_mark=score["pass_mark"],
        max_points=score["max_points_per_entry"],
        retraining_below=score["retraining_below"],
        retraining_months=score["retraining_months"],
        review_months=levels["months"],
        level_up_above=levels["up_above"],
        level_stay_from=levels["stay_from"],
        level_down_from=levels["down_from"],
        leaderboard_metric=got["leaderboard"]["metric"],
        leaderboard_places=got["leaderboard"]["public_places"],
        contact_target=got["contact_rate"]["target"],
        contact_ladder=got["contact_rate"]["ladder"],
        contact_window_weeks=got["contact_rate"]["window_weeks"],
        incentive_only_cut=got["pay"]["incentive_only_cut"],
        lateness_count=got["lateness"]["count"],
        lateness_codes=got["lateness"]["codes"],
        absence_code=got["lateness"]["absence"],
        approval_above=got["approvals"]["above"],
        catalog=catalog,
        morning_at=got["schedule"]["morning"],
        month_end_at=got["schedule"]["month_end"],
        pull_at=got["schedule"]["pull"],
        pull_until=got["schedule"]["pull_until"],
        pull_every_minutes=got["schedule"]["pull_every_minutes"],
        catch_up_hours=got["schedule"]["catch_up_hours"],
    )
