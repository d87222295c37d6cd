"""manifest.yml, the Slack app kpibot is created from, agrees with what kpibot listens for."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from bot.config.settings import SlackSettings
from bot.doors.slack.app import open_slack
from bot.doors.slack.door import SlackDoor
from bot.outbox.platforms import Platforms

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
COMMANDS = ["/mystats", "/deduct", "/award", "/leaderboard", "/teamstats", "/pending"]
NEEDED_SCOPES = {"commands", "chat:write", "im:write", "users:read", "users:read.email"}


class Registrations:
    """Stands in for the Bolt App while SlackDoor.register wires its listeners; an App method it
    does not know (a shortcut, a message listener) fails the test, which is the point."""

    def __init__(self):
        self.commands: list[str] = []
        self.actions: list[str] = []
        self.views: list[str] = []
        self.events: list[str] = []

    def _record(self, into: list[str], name: str):
        into.append(name)
        return lambda listener: listener

    def command(self, name: str):
        return self._record(self.commands, name)

    def action(self, action_id: str):
        return self._record(self.actions, action_id)

    def view(self, callback_id: str):
        return self._record(self.views, callback_id)

    def event(self, name: str):
        return self._record(self.events, name)


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registered() -> Registrations:
    door = SlackDoor(center=None, engine=None, slack=open_slack(SlackSettings(bot_token="xoxb-unused"), None),
                     platforms=Platforms([]), worker=None)
    registrations = Registrations()
    door.register(registrations)
    return registrations


def path_of(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    return parsed.scheme, parsed.path


def test_the_manifest_is_a_version_1_manifest(manifest):
    assert manifest["_metadata"] == {"major_version": 1, "minor_version": 1}
    assert manifest["display_information"]["name"] == "kpibot"
    assert manifest["features"]["bot_user"]["display_name"] == "kpibot"


def test_the_slash_commands_are_exactly_those_kpibot_listens_for(manifest, registered):
    listed = [entry["command"] for entry in manifest["features"]["slash_commands"]]
    assert listed == COMMANDS
    assert sorted(registered.commands) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_escapes_mentions_and_posts_to_slack_events(manifest, command):
    entry = next(e for e in manifest["features"]["slash_commands"] if e["command"] == command)
    assert entry["should_escape"] is True  # mentions arrive as <@U123|name>, which /deduct and /award parse
    assert path_of(entry["url"]) == ("https", "/slack/events")
    assert entry["description"].strip() != ""


def test_interactivity_and_events_go_to_slack_events(manifest, registered):
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True  # the buttons (Undo, Appeal, …), the forms
    assert path_of(settings["interactivity"]["request_url"]) == ("https", "/slack/events")
    assert path_of(settings["event_subscriptions"]["request_url"]) == ("https", "/slack/events")
    assert registered.actions == ["undo_entry", "record_absence", "approve_entry", "accept_appeal", "appeal_entry",
                                  "decline_entry", "reject_appeal"]
    assert registered.views == ["points_modal", "reason_modal"]


def test_every_url_names_the_same_host(manifest):
    settings = manifest["settings"]
    urls = [e["url"] for e in manifest["features"]["slash_commands"]] + [
        settings["interactivity"]["request_url"], settings["event_subscriptions"]["request_url"]]
    assert {urlparse(url).netloc for url in urls} == {"kpibot.example.com"}
    assert settings["socket_mode_enabled"] is False  # the README says how to switch it on


def test_app_home_opened_is_subscribed_and_is_every_event_kpibot_listens_for(manifest, registered):
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert registered.events == ["app_home_opened"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True  # the DMs


def test_the_bot_scopes_cover_what_kpibot_calls(manifest):
    assert set(manifest["oauth_config"]["scopes"]) == {"bot"}  # no user token
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert NEEDED_SCOPES <= set(scopes), NEEDED_SCOPES - set(scopes)
    assert len(scopes) == len(set(scopes))
