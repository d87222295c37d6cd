"""The center: settings, policy, calendar and time zone, loaded once and passed down."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.config.calendars import work_calendar
from bot.config.policy import load_policy
from bot.config.settings import Settings
from messages.render import text
from scoring.calendar import WorkCalendar
from scoring.policy import Policy

log = logging.getLogger("kpibot")


@dataclass(frozen=True)
class Center:
    settings: Settings
    policy: Policy
    calendar: WorkCalendar
    tz: ZoneInfo

    def today(self) -> date:
        """Today in the center's time zone."""
        return datetime.now(self.tz).date()

    def locale_of(self, agent) -> str:
        """The agent's language from the roster, else KPIBOT_LOCALE."""
        return getattr(agent, "locale", None) or self.settings.locale


def open_center(settings: Settings) -> Center:
    """Load the policy and the calendar named by `settings`."""
    policy = load_policy(settings.policy_path)
    tz = ZoneInfo(settings.timezone or policy.timezone)

    def warn(year: int) -> None:
        log.warning(text(settings.locale, "calendar.uncovered", year=year))

    return Center(settings, policy, work_calendar(policy, warn), tz)
