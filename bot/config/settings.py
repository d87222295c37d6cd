"""Settings: read once from the environment (and a .env file) at the entry point, then passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from scoring.policy import LOCALES
from scoring.problems import Problem


class SettingsError(Problem):
    """A bad or missing setting: `code` says what is wrong, the fields name the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///kpibot.db"
    policy_path: str | None = None
    timezone: str | None = None  # None: the policy's time zone
    locale: str = "en"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_leaderboard_channel: str | None = None
    port: int = 3000
    wecom_corp_id: str | None = None
    wecom_agent_id: str | None = None
    wecom_secret: str | None = None
    wecom_token: str | None = None
    wecom_aes_key: str | None = None
    wecom_api_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    wecom_webhook_url: str | None = None
    stats_source: str | None = None  # a folder of exports, or an http(s) URL with {date}
    stats_format: str = "daily"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_VARIABLES = {
    "DATABASE_URL": "database_url",
    "KPIBOT_POLICY": "policy_path",
    "KPIBOT_TZ": "timezone",
    "KPIBOT_LOCALE": "locale",
    "SLACK_BOT_TOKEN": "slack_bot_token",
    "SLACK_SIGNING_SECRET": "slack_signing_secret",
    "SLACK_APP_TOKEN": "slack_app_token",
    "SLACK_API_URL": "slack_api_url",
    "SLACK_LEADERBOARD_CHANNEL": "slack_leaderboard_channel",
    "PORT": "port",
    "WECOM_CORP_ID": "wecom_corp_id",
    "WECOM_AGENT_ID": "wecom_agent_id",
    "WECOM_SECRET": "wecom_secret",
    "WECOM_TOKEN": "wecom_token",
    "WECOM_AES_KEY": "wecom_aes_key",
    "WECOM_API_URL": "wecom_api_url",
    "WECOM_WEBHOOK_URL": "wecom_webhook_url",
    "KPIBOT_STATS_SOURCE": "stats_source",
    "KPIBOT_STATS_FORMAT": "stats_format",
}


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path = ".env") -> Settings:
    """Settings from `environ` (default os.environ) over a .env file when present."""
    values = {k: v for k, v in dotenv_values(env_file).items() if v is not None} \
        if Path(env_file).is_file() else {}
    values.update(os.environ if environ is None else environ)
    given = {field: values[var].strip() for var, field in _VARIABLES.items()
             if values.get(var, "").strip()}
    if "port" in given:
        given["port"] = _port(given["port"])
    settings = Settings(**given)
    _check(settings)
    return settings


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SettingsError("settings.bad_port", variable="PORT", value=text)
    return int(text)


def _check(settings: Settings) -> None:
    if settings.locale not in LOCALES:
        raise SettingsError("settings.bad_locale", variable="KPIBOT_LOCALE", value=settings.locale)
    if settings.timezone is not None:
        check_timezone(settings.timezone, "KPIBOT_TZ")
    if "://" not in settings.database_url:
        raise SettingsError("settings.bad_url", variable="DATABASE_URL", value=settings.database_url)
    if settings.stats_format not in ("daily", "cdr"):
        raise SettingsError("settings.bad_stats_format", variable="KPIBOT_STATS_FORMAT", value=settings.stats_format)
    source = settings.stats_source
    if source and not source.startswith(("http://", "https://")) and not Path(source).is_dir():
        raise SettingsError("settings.bad_stats_source", variable="KPIBOT_STATS_SOURCE", value=source)
    if settings.policy_path is not None and not Path(settings.policy_path).is_file():
        raise SettingsError("settings.no_policy_file", variable="KPIBOT_POLICY",
                            value=settings.policy_path)


def check_slack(settings: Settings) -> None:
    """kpibot serve on Slack: a bot token, and a signing secret (HTTP) or an app token (Socket Mode)."""
    token, app_token = settings.slack_bot_token, settings.slack_app_token
    if not token:
        raise SettingsError("settings.slack_token_missing", variable="SLACK_BOT_TOKEN")
    if not token.startswith("xoxb-"):
        raise SettingsError("settings.not_bot_token", variable="SLACK_BOT_TOKEN", value=token[:5] + "…")
    if app_token and not app_token.startswith("xapp-"):
        raise SettingsError("settings.not_app_token", variable="SLACK_APP_TOKEN", value=app_token[:5] + "…")
    if not app_token and not settings.slack_signing_secret:
        raise SettingsError("settings.signing_secret_missing", variable="SLACK_SIGNING_SECRET")
    if not settings.slack_api_url.startswith(("http://", "https://")):
        raise SettingsError("settings.bad_api_url", variable="SLACK_API_URL", value=settings.slack_api_url)


def check_timezone(name: str, where: str) -> ZoneInfo:
    """The zone called `name`; SettingsError naming `where` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("settings.bad_timezone", variable=where, value=name) from None
