"""WeCom, built once from its settings: the API client, the group robot, the outbox's platform
and the callback's envelope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.config.settings import WecomSettings
from bot.doors.wecom.api import WecomApi
from bot.doors.wecom.envelope import Envelope
from bot.doors.wecom.platform import WecomPlatform
from bot.doors.wecom.robot import Robot


@dataclass(frozen=True)
class Wecom:
    settings: WecomSettings
    api: WecomApi
    platform: WecomPlatform

    def envelope(self) -> Envelope:
        """The callback's envelope (serving checks its Token and EncodingAESKey are set)."""
        return Envelope(token=self.settings.token, aes_key=self.settings.aes_key, corp_id=self.settings.corp_id)


def open_wecom(settings: WecomSettings, engine: Engine) -> Wecom:
    """The client, the robot (when its webhook is set) and the platform of a set-up WeCom."""
    api = WecomApi(settings=settings, engine=engine)
    robot = Robot(settings.webhook_url) if settings.webhook_url else None
    platform = WecomPlatform(api=api, robot=robot, engine=engine, text_only=settings.format == "text")
    return Wecom(settings, api, platform)
