"""Slack as the scheduled rounds see it: who can be reached, how to send, where to post."""

from __future__ import annotations

import re

from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.rounds.run import Chat
from bot.config.settings import Settings, SettingsError
from bot.doors.slack.directory import Directory
from bot.doors.slack.sender import SlackSender, outbox_client

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


def slack_chat(settings: Settings, engine: Engine) -> Chat:
    token, channel = settings.slack_bot_token, settings.slack_leaderboard_channel
    if not token:
        raise SettingsError("settings.slack_token_missing", variable="SLACK_BOT_TOKEN")
    if channel and not CHANNEL_ID.match(channel):
        raise SettingsError("settings.not_channel_id", variable="SLACK_LEADERBOARD_CHANNEL", value=channel)
    client = WebClient(token=token, base_url=settings.slack_api_url)
    directory = Directory(client)
    return Chat(sender=SlackSender(outbox_client(client), engine), link=lambda: directory.link_roster(engine),
                reaches=lambda agent: bool(agent.slack_user_id or agent.email), channel=f"#{channel}" if channel else None)
