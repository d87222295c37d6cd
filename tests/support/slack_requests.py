"""Requests to kpibot's /slack/events built byte for byte as Slack builds them, and signed."""

from __future__ import annotations

import json
import time
from itertools import count
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode
from urllib.request import Request, urlopen

from slack_sdk.signature import SignatureVerifier

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
_ids = count(1)


class SlackRequests:
    def __init__(self, url: str, standin, secret: str = SECRET):
        self.url, self.standin, self.secret = url, standin, secret
        self.last: dict[str, str] = {}  # the last form body sent, say for its trigger_id

    def post(self, body: str, content_type: str, *, timestamp: int | None = None,
             signature: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        """POST `body` signed as Slack signs it (or with the `signature` given)."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        if content_type.startswith("application/x-www-form-urlencoded"):
            self.last = {k: v[0] for k, v in parse_qs(body).items()}
        signed = SignatureVerifier(self.secret).generate_signature(timestamp=str(timestamp), body=body)
        request = Request(self.url, data=body.encode("utf-8"), method="POST", headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature or signed, **(headers or {})})
        try:
            with urlopen(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except HTTPError as err:
            return err.code, err.read().decode("utf-8")

    def command(self, command: str, text: str, user: str, *, channel: str = "C0GENERAL", **signing) -> tuple[int, str]:
        n = next(_ids)
        body = urlencode({
            "token": "legacy-verification-token", "team_id": "T0001", "team_domain": "kpibot-test",
            "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": user.lower(),
            "command": command, "text": text, "api_app_id": "A0KPIBOT", "is_enterprise_install": "false",
            "response_url": self.standin.response_url(f"cmd{n}"), "trigger_id": f"{n}.1.trigger",
        })
        return self.post(body, "application/x-www-form-urlencoded", **signing)

    def interactive(self, payload: dict, **signing) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))})
        return self.post(body, "application/x-www-form-urlencoded", **signing)

    def button(self, user: str, action_id: str, value: str) -> tuple[int, str]:
        n = next(_ids)
        return self.interactive({
            "type": "block_actions", "team": {"id": "T0001"}, "user": {"id": user, "team_id": "T0001"},
            "api_app_id": "A0KPIBOT", "token": "legacy-verification-token", "trigger_id": f"{n}.2.trigger",
            "container": {"type": "message", "is_ephemeral": True},
            "response_url": self.standin.response_url(f"act{n}"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                         "action_ts": f"{time.time():.6f}"}],
        })

    def submit(self, user: str, view: dict, values: dict) -> tuple[int, str]:
        """Submit the modal `view` (as views.open received it) with `values` by block ID."""
        state = {block: {"value": value} for block, value in values.items()}
        return self.interactive({
            "type": "view_submission", "team": {"id": "T0001"}, "user": {"id": user, "team_id": "T0001"},
            "api_app_id": "A0KPIBOT", "token": "legacy-verification-token", "trigger_id": "3.3.trigger",
            "view": {**view, "id": "V0001", "state": {"values": state}, "app_id": "A0KPIBOT"},
        })

    def event(self, event: dict, *, event_id: str | None = None, retry: int | None = None) -> tuple[int, str]:
        body = json.dumps({
            "token": "legacy-verification-token", "team_id": "T0001", "api_app_id": "A0KPIBOT",
            "event": event, "type": "event_callback", "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()), "authorizations": [{"team_id": "T0001", "user_id": "UBOT",
                                                                 "is_bot": True}],
        })
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return self.post(body, "application/json", headers=headers)
