"""WeCom against its stand-in: `standin`, the app's settings pointing at it, a `WecomApi` on the
test database, a clock tests move by hand, and a long leaderboard to cut and split."""

from __future__ import annotations

import io
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from PIL import Image

from bot.config.settings import WecomSettings
from bot.doors.wecom.api import WecomApi
from scoring.calendar import Month
from wecom_standin import AGENT_ID, CORP_ID, SECRET, WecomStandIn

NAMES = ("王芳", "李娜", "赵磊", "张伟", "刘洋", "陈静", "杨帆", "黄磊", "周敏", "吴昊")


class Clock:
    """Seconds that pass only when a test says so, for rate limits and a stand-in's minute."""

    def __init__(self, standin: WecomStandIn | None = None):
        self.now, self.standin = 1000.0, standin

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move this clock and the stand-in's together."""
        self.now += seconds
        if self.standin is not None:
            self.standin.advance(seconds)


@pytest.fixture
def standin() -> Iterator[WecomStandIn]:
    running = WecomStandIn()
    yield running
    running.close()


def app_settings(standin: WecomStandIn, **changes: str) -> WecomSettings:
    """The app's settings as the stand-in knows them, with `changes`."""
    values = {"corp_id": CORP_ID, "agent_id": AGENT_ID, "secret": SECRET, "api_url": standin.api_url,
              "webhook_url": standin.webhook_url(), **changes}
    return WecomSettings(**values)


@pytest.fixture
def api(standin, engine) -> WecomApi:
    return WecomApi(settings=app_settings(standin), engine=engine, timeout=5)


def png(width: int = 60, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (29, 78, 137)).save(out, format="PNG")
    return out.getvalue()


def long_board(places: int) -> dict:
    """The context of a leaderboard_post of `places` Chinese names in ten teams."""
    rows = [SimpleNamespace(rank=n, value=100 - n / 10, key=SimpleNamespace(
        agent=SimpleNamespace(name=f"{NAMES[n % 10]}{n}"), team=f"第{n % 10 + 1}组")) for n in range(1, places + 1)]
    teams = [SimpleNamespace(rank=n, key=f"第{n}组", value=90 - n) for n in range(1, 11)]
    return {"b": SimpleNamespace(month=Month(2026, 11), metric="attainment"), "places": rows, "teams": teams}
