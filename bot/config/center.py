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
        """The agent's language from the roster; else Chinese for someone whose platform is WeCom
        (a WeCom user ID, and no Slack one where Slack is set up); else KPIBOT_LOCALE."""
        if getattr(agent, "locale", None):
            return agent.locale
        on_slack = self.settings.slack.is_set_up and getattr(agent, "slack_user_id", None)
        if self.settings.wecom.is_set_up and getattr(agent, "wecom_user_id", None) and not on_slack:
            return "zh-CN"
        return self.settings.locale


def open_center(settings: Settings) -> Center:
    """Load the policy and the calendar named by `settings`."""
    policy = load_policy(settings.policy_path)
    tz = ZoneInfo(settings.timezone or policy.timezone)

    def warn(year: int) -> None:
        log.warning(text(settings.locale, "calendar.uncovered", year=year))

    return Center(settings, policy, work_calendar(policy, warn), tz)
