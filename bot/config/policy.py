"""Load the policy TOML: the built-in seeds policy or the file KPIBOT_POLICY names."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from bot.config.calendars import is_known_calendar
from bot.config.settings import SettingsError, check_timezone
from scoring.policy import Policy, PolicyError, parse_policy

DEFAULT_POLICY = resources.files("scoring") / "default_policy.toml"


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and check a policy file; PolicyError names the file, the key and the reason."""
    source = str(path) if path is not None else "built-in policy (scoring/default_policy.toml)"
    try:
        text = Path(path).read_text(encoding="utf-8") if path is not None \
            else DEFAULT_POLICY.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PolicyError(source, "-", "unreadable", error=err.__class__.__name__) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PolicyError(source, "-", "not_toml", error=str(err)) from None
    policy = parse_policy(data, source)
    try:
        check_timezone(policy.timezone, "center.timezone")
    except SettingsError:
        raise PolicyError(source, "center.timezone", "not_timezone", value=policy.timezone) from None
    if not is_known_calendar(policy.calendar):
        raise PolicyError(source, "center.calendar", "unknown_calendar", value=policy.calendar)
    return policy
