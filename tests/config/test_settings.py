"""Settings: read once from the environment and .env; a bad one is one line naming the variable."""

from __future__ import annotations

import pytest

from bot.config.settings import Settings, SettingsError, load_settings
from database_params import SQLITE_ONLY
from messages.render import describe


def test_defaults_are_the_contracts():
    settings = load_settings({}, env_file="/nonexistent")
    assert settings == Settings()
    assert (settings.database_url, settings.locale, settings.port) == ("sqlite:///kpibot.db", "en", 3000)
    assert (settings.slack.api_url, settings.slack.rate) == ("https://slack.com/api/", 50)


def test_the_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("KPIBOT_LOCALE=zh-CN\nPORT=8080\nKPIBOT_TZ=Asia/Singapore\n")
    settings = load_settings({"PORT": "9000"}, env_file=env_file)
    assert (settings.locale, settings.port, settings.timezone) == ("zh-CN", 9000, "Asia/Singapore")


@pytest.mark.parametrize("variable, value, code", [
    ("KPIBOT_LOCALE", "fr", "settings.bad_locale"),
    ("KPIBOT_TZ", "Mars/Olympus", "settings.bad_timezone"),
    ("PORT", "eighty", "settings.bad_port"),
    ("PORT", "70000", "settings.bad_port"),
    ("DATABASE_URL", "kpibot.db", "settings.bad_url"),
    ("KPIBOT_POLICY", "/no/such/policy.toml", "settings.no_policy_file"),
    ("SLACK_REQUESTS_PER_SECOND", "fast", "settings.bad_slack_rate"),
    ("SLACK_REQUESTS_PER_SECOND", "0", "settings.bad_slack_rate"),
])
def test_a_bad_setting_names_the_variable(variable, value, code):
    with pytest.raises(SettingsError) as raised:
        load_settings({variable: value}, env_file="/nonexistent")
    assert raised.value.code == code
    for locale in ("en", "zh-CN"):
        line = describe(raised.value, locale)
        assert variable in line and "\n" not in line


def test_the_cli_stops_with_that_line(kpibot):
    assert kpibot("stats", "show", "A001", KPIBOT_TZ="Mars/Olympus") == (
        1, "", "KPIBOT_TZ is not a time zone: 'Mars/Olympus'. Use an IANA name such as Asia/Shanghai.\n")


def test_a_bad_policy_file_stops_the_cli_with_the_file_and_key(kpibot, tmp_path):
    bad = tmp_path / "policy.toml"
    bad.write_text("[center]\ntimezone = 'Asia/Shanghai'\n")
    assert kpibot("stats", "show", "A001", KPIBOT_POLICY=str(bad)) == (1, "", f"Policy {bad}: tenure is missing.\n")


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_database_url_is_refused_rather_than_taken_for_the_default(value):
    """An empty DATABASE_URL (a secret that did not come through) must not quietly mean kpibot.db."""
    with pytest.raises(SettingsError) as raised:
        load_settings({"DATABASE_URL": value}, env_file="/nonexistent")
    assert describe(raised.value, "en") == ("DATABASE_URL is set but empty: unset it to use sqlite:///kpibot.db, "
                                            "or set it to a database URL such as postgresql://user@host/db.")
    assert "DATABASE_URL" in describe(raised.value, "zh-CN")


@SQLITE_ONLY  # a SQLite file path
def test_a_mistyped_sqlite_path_is_refused_and_creates_nothing(kpibot, tmp_path):
    typo = tmp_path / "kpibto.db"
    kpibot.env(DATABASE_URL=f"sqlite:///{typo}")
    for args in (["stats", "show", "A001"], ["jobs", "status"], ["console", "--as", "A001"]):
        assert kpibot(*args) == (1, "", f"DATABASE_URL names a SQLite file that does not exist: sqlite:///{typo} "
                                        f"({typo}). Check the path; to start a new database there, run "
                                        "kpibot db upgrade.\n")
    assert not typo.exists()
    assert kpibot("db", "upgrade")[0] == 0  # the one command that makes a new database
    assert typo.is_file()
    assert kpibot("jobs", "status")[0] == 0
