"""Settings: read once from the environment (and a .env file) at the entry point, then passed down.

They come in groups, one per door or concern, each reading its own variables and checking
them: the core (database, policy, time zone, language, port), the stats source, Slack and
WeCom. A bad value stops kpibot with one line naming the variable and the fix.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from scoring.policy import LOCALES
from scoring.problems import Problem

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
STATS_FIELDS = ("date", "employee_id", "calls", "talk_minutes", "talk_seconds", "members", "leads_assigned",
                "leads_contacted", "started_at", "call_id")  # what KPIBOT_STATS_FIELDS may name


class SettingsError(Problem):
    """A bad or missing setting: `code` says what is wrong, the fields name the variable."""


def _read(cls, values: Mapping[str, str]):
    """An instance of the settings group `cls` from the variables it names that are set."""
    return cls(**{name: values[variable] for variable, name in cls.VARIABLES.items() if variable in values})


@dataclass(frozen=True)
class StatsSource:
    """Where the stats pull reads: a drop folder of exports, an http(s) URL (a file or a JSON API,
    with {date} and {page}), or a database (any SQLAlchemy URL, with KPIBOT_STATS_QUERY)."""

    source: str | None = None
    format: str = "daily"
    fields: str | None = None  # kpibot's field = the source's name, comma separated
    auth: str | None = None  # one HTTP header sent to the API, "Name: value"
    records: str | None = None  # where a JSON answer keeps its records: a dotted path
    query: str | None = None  # the SQL a database source runs; :date is the day pulled
    timeout: str = "30"  # seconds an API or database has to answer
    VARIABLES: ClassVar[dict[str, str]] = {
        "KPIBOT_STATS_SOURCE": "source", "KPIBOT_STATS_FORMAT": "format", "KPIBOT_STATS_FIELDS": "fields",
        "KPIBOT_STATS_AUTH": "auth", "KPIBOT_STATS_RECORDS": "records", "KPIBOT_STATS_QUERY": "query",
        "KPIBOT_STATS_TIMEOUT": "timeout",
    }

    def check(self) -> None:
        if self.format not in ("daily", "cdr"):
            raise SettingsError("settings.bad_stats_format", variable="KPIBOT_STATS_FORMAT", value=self.format)
        if self.source and self.kind == "folder" and not Path(self.source).is_dir():
            raise SettingsError("settings.bad_stats_source", variable="KPIBOT_STATS_SOURCE", value=self.source)
        if self.kind == "database" and not self.query:
            raise SettingsError("settings.no_stats_query", variable="KPIBOT_STATS_QUERY")
        if self.auth is not None and not re.fullmatch(r"[A-Za-z0-9-]+:\s*\S.*", self.auth):
            raise SettingsError("settings.bad_stats_auth", variable="KPIBOT_STATS_AUTH")
        if not self.timeout.isdigit() or not 0 < int(self.timeout) <= 600:
            raise SettingsError("settings.bad_stats_timeout", variable="KPIBOT_STATS_TIMEOUT", value=self.timeout)
        self.field_names  # noqa: B018 - checks KPIBOT_STATS_FIELDS

    @property
    def kind(self) -> str | None:
        """folder, http or database; None without a source."""
        if not self.source:
            return None
        if self.source.startswith(("http://", "https://")):
            return "http"
        return "database" if "://" in self.source else "folder"

    @property
    def field_names(self) -> dict[str, str]:
        """KPIBOT_STATS_FIELDS as {kpibot field: the source's name}."""
        names = {}
        for pair in filter(None, (p.strip() for p in (self.fields or "").replace("，", ",").split(","))):
            field_name, _, name = (part.strip() for part in pair.partition("="))
            if not name or field_name not in STATS_FIELDS:
                raise SettingsError("settings.bad_stats_fields", variable="KPIBOT_STATS_FIELDS", value=pair,
                                    fields=", ".join(STATS_FIELDS))
            names[field_name] = name
        return names

    @property
    def auth_header(self) -> tuple[str, str] | None:
        if self.auth is None:
            return None
        name, _, value = self.auth.partition(":")
        return name.strip(), value.strip()


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None  # Socket Mode instead of HTTP
    api_url: str = "https://slack.com/api/"
    leaderboard_channel: str | None = None
    requests_per_second: str = "50"  # the outbox's Web API requests, all threads together
    VARIABLES: ClassVar[dict[str, str]] = {
        "SLACK_BOT_TOKEN": "bot_token", "SLACK_SIGNING_SECRET": "signing_secret", "SLACK_APP_TOKEN": "app_token",
        "SLACK_API_URL": "api_url", "SLACK_LEADERBOARD_CHANNEL": "leaderboard_channel",
        "SLACK_REQUESTS_PER_SECOND": "requests_per_second",
    }

    @property
    def is_set_up(self) -> bool:
        """Slack is used once its bot token is set."""
        return self.bot_token is not None

    def check(self) -> None:
        """What is set is well-formed: tokens of the right kind, a channel ID, an http(s) URL."""
        if self.bot_token is not None and not self.bot_token.startswith("xoxb-"):
            raise SettingsError("settings.not_bot_token", variable="SLACK_BOT_TOKEN", value=self.bot_token[:5] + "…")
        if self.app_token is not None and not self.app_token.startswith("xapp-"):
            raise SettingsError("settings.not_app_token", variable="SLACK_APP_TOKEN", value=self.app_token[:5] + "…")
        if not self.api_url.startswith(("http://", "https://")):
            raise SettingsError("settings.bad_api_url", variable="SLACK_API_URL", value=self.api_url)
        if self.leaderboard_channel is not None and not CHANNEL_ID.match(self.leaderboard_channel):
            raise SettingsError("settings.not_channel_id", variable="SLACK_LEADERBOARD_CHANNEL",
                                value=self.leaderboard_channel)
        if not self.requests_per_second.isdigit() or not 0 < int(self.requests_per_second) <= 1000:
            raise SettingsError("settings.bad_slack_rate", variable="SLACK_REQUESTS_PER_SECOND",
                                value=self.requests_per_second)

    @property
    def rate(self) -> int:
        """SLACK_REQUESTS_PER_SECOND as a number (checked by `check`)."""
        return int(self.requests_per_second)

    def check_serving(self) -> None:
        """Serving Slack needs a bot token, and a signing secret (HTTP) or an app token (Socket Mode)."""
        if not self.is_set_up:
            raise SettingsError("settings.slack_token_missing", variable="SLACK_BOT_TOKEN")
        if self.app_token is None and self.signing_secret is None:
            raise SettingsError("settings.signing_secret_missing", variable="SLACK_SIGNING_SECRET")


@dataclass(frozen=True)
class WecomSettings:
    corp_id: str | None = None
    agent_id: str | None = None
    secret: str | None = None
    token: str | None = None  # the callback's Token
    aes_key: str | None = None  # the callback's EncodingAESKey
    api_url: str = "https://qyapi.weixin.qq.com/cgi-bin/"
    webhook_url: str | None = None  # the group robot, for the month-end post
    format: str = "markdown"  # or text, for people who read kpibot in the WeChat plugin
    VARIABLES: ClassVar[dict[str, str]] = {
        "WECOM_CORP_ID": "corp_id", "WECOM_AGENT_ID": "agent_id", "WECOM_SECRET": "secret",
        "WECOM_TOKEN": "token", "WECOM_AES_KEY": "aes_key", "WECOM_API_URL": "api_url",
        "WECOM_WEBHOOK_URL": "webhook_url", "WECOM_FORMAT": "format",
    }
    APP: ClassVar[dict[str, str]] = {"WECOM_CORP_ID": "corp_id", "WECOM_AGENT_ID": "agent_id",
                                     "WECOM_SECRET": "secret"}
    CALLBACK: ClassVar[dict[str, str]] = {"WECOM_TOKEN": "token", "WECOM_AES_KEY": "aes_key"}

    @property
    def is_set_up(self) -> bool:
        """WeCom is used once its app is named: corp ID, agent ID and secret."""
        return all(getattr(self, name) is not None for name in self.APP.values())

    def check(self) -> None:
        """The app's three settings together or none; each value of the right shape."""
        given = [variable for variable, name in self.APP.items() if getattr(self, name) is not None]
        if given and len(given) < len(self.APP):
            missing = next(v for v in self.APP if v not in given)
            raise SettingsError("settings.wecom_incomplete", variable=missing, given=", ".join(given))
        if self.agent_id is not None and not self.agent_id.isdigit():
            raise SettingsError("settings.wecom_agent_id", variable="WECOM_AGENT_ID", value=self.agent_id)
        if self.aes_key is not None and not _is_aes_key(self.aes_key):
            raise SettingsError("settings.wecom_aes_key", variable="WECOM_AES_KEY", n=len(self.aes_key))
        for variable, url in (("WECOM_API_URL", self.api_url), ("WECOM_WEBHOOK_URL", self.webhook_url)):
            if url is not None and not url.startswith(("http://", "https://")):
                raise SettingsError("settings.wecom_bad_url", variable=variable, value=url)
        if self.format not in ("markdown", "text"):
            raise SettingsError("settings.wecom_format", variable="WECOM_FORMAT", value=self.format)

    def check_serving(self) -> None:
        """The callback needs its Token and EncodingAESKey beside the app's settings."""
        for variable, name in {**self.APP, **self.CALLBACK}.items():
            if getattr(self, name) is None:
                raise SettingsError("settings.wecom_missing", variable=variable)


def _is_aes_key(value: str) -> bool:
    """An EncodingAESKey: 43 characters of base64 that, with "=", are 32 bytes."""
    try:
        return len(value) == 43 and len(base64.b64decode(value + "=", validate=True)) == 32
    except ValueError:
        return False


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///kpibot.db"
    policy_path: str | None = None
    timezone: str | None = None  # None: the policy's time zone
    locale: str = "en"
    port: int = 3000
    stats: StatsSource = field(default_factory=StatsSource)
    slack: SlackSettings = field(default_factory=SlackSettings)
    wecom: WecomSettings = field(default_factory=WecomSettings)
    VARIABLES: ClassVar[dict[str, str]] = {
        "DATABASE_URL": "database_url", "KPIBOT_POLICY": "policy_path", "KPIBOT_TZ": "timezone",
        "KPIBOT_LOCALE": "locale", "PORT": "port",
    }

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check(self) -> None:
        """The core settings, then each group's."""
        if self.locale not in LOCALES:
            raise SettingsError("settings.bad_locale", variable="KPIBOT_LOCALE", value=self.locale)
        if self.timezone is not None:
            check_timezone(self.timezone, "KPIBOT_TZ")
        if "://" not in self.database_url:
            raise SettingsError("settings.bad_url", variable="DATABASE_URL", value=self.database_url)
        if self.policy_path is not None and not Path(self.policy_path).is_file():
            raise SettingsError("settings.no_policy_file", variable="KPIBOT_POLICY", value=self.policy_path)
        for group in (self.stats, self.slack, self.wecom):
            group.check()


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | Path = ".env") -> Settings:
    """Settings from `environ` (default os.environ) over a .env file when present."""
    values = {k: v for k, v in dotenv_values(env_file).items() if v is not None} \
        if Path(env_file).is_file() else {}
    values.update(os.environ if environ is None else environ)
    if "DATABASE_URL" in values and not values["DATABASE_URL"].strip():  # where the data goes: never guessed
        raise SettingsError("settings.empty_url", variable="DATABASE_URL")
    given = {k: v.strip() for k, v in values.items() if v.strip()}
    core = {name: given[variable] for variable, name in Settings.VARIABLES.items() if variable in given}
    if "port" in core:
        core["port"] = _port(core["port"])
    settings = Settings(**core, stats=_read(StatsSource, given), slack=_read(SlackSettings, given),
                        wecom=_read(WecomSettings, given))
    settings.check()
    return settings


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SettingsError("settings.bad_port", variable="PORT", value=text)
    return int(text)


def check_timezone(name: str, where: str) -> ZoneInfo:
    """The zone called `name`; SettingsError naming `where` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("settings.bad_timezone", variable=where, value=name) from None
