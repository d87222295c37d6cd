"""WeCom's server API for the app: JSON over HTTP with the app's access token, which every kpibot
process shares through the database (bot/doors/wecom/tokens.py).

A call whose token WeCom turns down (40014 invalid, 42001 expired: WeCom may end a token early)
renews it at once and is made once more. A wrong corp ID or secret stops with the setting to fix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from bot.config.settings import SettingsError, WecomSettings
from bot.doors.wecom import tokens
from bot.doors.wecom.transport import WecomError, WecomTransportError, request
from bot.store.models import utcnow

__all__ = ["WecomApi", "WecomError", "WecomTransportError"]

PLATFORM = "wecom"
RENEW = {40014, 42001}  # the token is invalid, or expired
ALL_INVALID = 81013  # none of the recipients is a user WeCom knows
MOST_USERS = 1000  # recipients of one message/send
SHORTEST = 2 * tokens.MARGIN  # see _renew
POLL = 0.05  # seconds between looks at a row another process is renewing
ROUNDS = 4


class WecomApi:
    def __init__(self, *, settings: WecomSettings, engine: Engine, timeout: float = 10,
                 clock: Callable[[], datetime] = utcnow, sleep: Callable[[float], None] = time.sleep):
        """`clock` (aware UTC) and `sleep` pace the token's renewal; tests move them."""
        self.settings, self.engine, self.timeout = settings, engine, timeout
        self.clock, self.sleep = clock, sleep

    def call(self, path: str, body: dict[str, Any] | None = None, *, method: str = "POST") -> dict[str, Any]:
        """WeCom's answer to `path` (e.g. "message/send"); raises WecomError for an errcode other
        than 0, WecomTransportError when no answer came."""
        token = self.token()
        try:
            return self._call(path, body, method, token)
        except WecomError as err:
            if err.errcode not in RENEW:
                raise
        return self._call(path, body, method, self.token(refused=token))

    def send(self, users: list[str], message: dict[str, Any]) -> list[str]:
        """Send `message` (its msgtype and content, and any options) to WeCom `users`, at most
        1,000; returns those WeCom does not know, as it spells them (lowercased)."""
        if not 0 < len(users) <= MOST_USERS:
            raise ValueError(f"message/send takes 1 to {MOST_USERS} users, not {len(users)}")
        body = {"touser": "|".join(users), "agentid": int(self.settings.agent_id), **message}
        try:
            answer = self.call("message/send", body)
        except WecomError as err:
            if err.errcode != ALL_INVALID:
                raise
            return _users(err.answer.get("invaliduser")) or [u.lower() for u in users]
        return _users(answer.get("invaliduser"))

    def update_card(self, response_code: str, card: dict[str, Any]) -> dict[str, Any]:
        """Update a template card sent with a response_code (once, within 72 hours): `card` holds
        `button` (its replace_name) or a whole `template_card`, and whom to update it for
        (`userids`…; everyone it went to when it names no one)."""
        body = {"agentid": int(self.settings.agent_id), "response_code": response_code, **card}
        if not {"userids", "partyids", "tagids", "atall"} & set(card):
            body["atall"] = 1
        return self.call("message/update_template_card", body)

    def token(self, refused: str | None = None) -> str:
        """The shared token: the row's while it has more than tokens.MARGIN left (and is not
        `refused`, one WeCom just turned down); else renewed here, or by the process already
        renewing it, whose token is then used."""
        for _ in range(ROUNDS):
            now = self.clock()
            held = tokens.read(engine=self.engine, platform=PLATFORM)
            if held.token != refused and held.is_fresh(now):
                return held.token
            if tokens.claim(engine=self.engine, platform=PLATFORM, seen=held.token, now=now):
                return self._renew()
            self._wait_for(held)
        raise WecomTransportError("the access token is still being renewed by another process")

    def _wait_for(self, held: tokens.Held) -> None:
        """Until the row's token changes or the claim on it ends, for a lease at most."""
        for _ in range(int(tokens.LEASE.total_seconds() / POLL)):
            self.sleep(POLL)
            row = tokens.read(engine=self.engine, platform=PLATFORM)
            if row.token != held.token or not row.is_renewing(self.clock()):
                return

    def _renew(self) -> str:
        """Fetch a token with the claim held, write it, end the claim. WeCom gives the same token
        back while it lives: one with less than the margin left is kept for SHORTEST all the
        same, until WeCom turns it down, rather than asked for again on every call."""
        query = {"corpid": self.settings.corp_id or "", "corpsecret": self.settings.secret or ""}
        try:
            answer = request(self.settings.api_url + "gettoken", query=query, method="GET", timeout=self.timeout)
        except WecomError as err:
            tokens.release(engine=self.engine, platform=PLATFORM)
            raise _refusal(err) from None
        except BaseException:
            tokens.release(engine=self.engine, platform=PLATFORM)
            raise
        life = max(timedelta(seconds=int(answer.get("expires_in", 0))), SHORTEST)
        tokens.store(engine=self.engine, platform=PLATFORM, token=answer["access_token"],
                     expires_at=self.clock() + life)
        return answer["access_token"]

    def _call(self, path: str, body: dict[str, Any] | None, method: str, token: str) -> dict[str, Any]:
        return request(self.settings.api_url + path, body, query={"access_token": token}, method=method,
                       timeout=self.timeout)


def _refusal(err: WecomError) -> Exception:
    """gettoken's refusals of the app's settings, as the setting to fix."""
    if err.errcode == 40013:
        return SettingsError("settings.wecom_corp_id_refused", variable="WECOM_CORP_ID", reason=str(err))
    if err.errcode == 40001:
        return SettingsError("settings.wecom_secret_refused", variable="WECOM_SECRET", reason=str(err))
    return err


def _users(joined: str | None) -> list[str]:
    return [u for u in (joined or "").split("|") if u]
