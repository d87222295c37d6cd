"""Settings: read once from the environment and .env; a bad one is one line naming the variable."""

from __future__ import annotations

import pytest

from bot.doors.cli import main
from bot.config.settings import Settings, SettingsError, load_settings
from messages.render import describe


def test_defaults_are_the_contracts():
    settings = load_settings({}, env_file="/nonexistent")
    assert settings == Settings()
    assert (settings.database_url, settings.locale, settings.port) == ("sqlite:///kpibot.db", "en", 3000)
    assert settings.slack.api_url == "https://slack.com/api/"


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
])
def test_a_bad_setting_names_the_variable(variable, value, code):
    with pytest.raises(SettingsError) as raised:
        load_settings({variable: value}, env_file="/nonexistent")
    assert raised.value.code == code
    for locale in ("en", "zh-CN"):
        line = describe(raised.value, locale)
        assert variable in line and "\n" not in line


def test_the_cli_stops_with_that_line(monkeypatch, capsys):
    monkeypatch.setenv("KPIBOT_TZ", "Mars/Olympus")
    assert main(["stats", "show", "A001"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "KPIBOT_TZ is not a time zone: 'Mars/Olympus'. Use an IANA name such as Asia/Shanghai.\n"


def test_a_bad_policy_file_stops_the_cli_with_the_file_and_key(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "policy.toml"
    bad.write_text("[center]\ntimezone = 'Asia/Shanghai'\n")
    monkeypatch.setenv("KPIBOT_POLICY", str(bad))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["stats", "show", "A001"]) == 1
    err = capsys.readouterr().err
    assert err == f"Policy {bad}: tenure is missing.\n"
