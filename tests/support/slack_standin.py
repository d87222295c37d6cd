"""A stand-in for the Slack Web API on 127.0.0.1: it answers as Slack does, records every call,
and can be told to fail, rate-limit or hold a method. It also receives response_url posts."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from loopback import stop_at_once


@dataclass
class Call:
    method: str  # e.g. chat.postMessage, or respond for a response_url post
    body: dict[str, Any]
    headers: dict[str, str]
    path: str


@dataclass
class Scripted:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class SlackStandIn:
    def __init__(self, per_second: int | None = None):
        self.per_second = per_second  # past this many requests in a second: 429, Retry-After 1
        self.refused = 0
        self._second, self._used = 0, 0
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}  # user ID -> users.info "user"
        self.posted: list[dict[str, Any]] = []  # chat.postMessage bodies it accepted
        self.uploaded: list[dict[str, Any]] = []  # files.completeUploadExternal bodies it accepted
        self.socket_url: str | None = None  # apps.connections.open answers this WebSocket URL when set
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._holds: dict[str, threading.Event] = {}
        self._lock = threading.Condition()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                standin._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str = "r") -> str:
        return f"{self.url}/respond/{name}"

    def forget(self) -> None:
        """Start afresh: no calls, nothing posted or uploaded (for a stand-in shared by tests)."""
        with self._lock:
            self.calls.clear()
            self.posted.clear()
            self.uploaded.clear()

    def close(self) -> None:
        """Stop at once (see loopback.stop_at_once)."""
        stop_at_once(self.server, self._holds.values())

    # --- scripting ------------------------------------------------------------------------

    def script(self, method: str, status: int = 200, body: dict | None = None, **headers: str) -> None:
        """The next call of `method` gets this answer instead of the usual one."""
        self._scripts[method].append(Scripted(status, body, {k.replace("_", "-"): v for k, v in headers.items()}))

    def hold(self, method: str) -> threading.Event:
        """Calls of `method` wait until the returned event is set."""
        self._holds[method] = threading.Event()
        return self._holds[method]

    # --- reading what happened ------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        with self._lock:
            self._lock.wait_for(lambda: len([c for c in self.calls if c.method == method]) >= count, timeout)
        return self.of(method)

    # --- answering --------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        path = request.path
        method = "respond" if path.startswith("/respond/") else "upload" if path.startswith("/upload/") \
            else path.rsplit("/", 1)[-1]
        body = {"bytes": raw} if method == "upload" else _decode(raw, request.headers.get("Content-Type", ""))
        call = Call(method, body, dict(request.headers), path)
        if self._over_limit():
            self._answer(request, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
            return
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()
        if method in self._holds:
            self._holds[method].wait(timeout=30)
        scripted = self._scripts[method].popleft() if self._scripts[method] else None
        status, body, headers = (scripted.status, scripted.body, scripted.headers) if scripted else (200, None, {})
        if body is None:
            body = self._usual(method, call.body) if status == 200 else {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
        if status == 200 and body.get("ok"):  # what Slack would now show in the channel
            {"chat.postMessage": self.posted, "files.completeUploadExternal": self.uploaded}.get(method, []).append(call.body)
        self._answer(request, status, body, headers)

    def _over_limit(self) -> bool:
        if self.per_second is None:
            return False
        with self._lock:
            second = int(time.monotonic())
            if second != self._second:
                self._second, self._used = second, 0
            self._used += 1
            if self._used > self.per_second:
                self.refused += 1
                return True
            return False

    def _answer(self, request: BaseHTTPRequestHandler, status: int, body: dict, headers: dict) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            request.send_header(k, v)
        request.end_headers()
        request.wfile.write(data)

    def _usual(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://kpibot-test.slack.com/", "team": "Test", "user": "kpibot",
                    "team_id": "T0001", "user_id": "UBOT", "bot_id": "BBOT"}
        if method == "users.info":
            user = self.users.get(body.get("user"))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.lookupByEmail":
            wanted = str(body.get("email", "")).lower()
            found = [u for u in self.users.values() if (u.get("profile") or {}).get("email", "").lower() == wanted]
            return {"ok": True, "user": found[0]} if found else {"ok": False, "error": "users_not_found"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(body.get("users"))}}
        if method == "apps.connections.open" and self.socket_url is not None:
            return {"ok": True, "url": self.socket_url}
        if method == "chat.postMessage":
            return {"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}"}
        if method == "conversations.history":  # what was posted to the channel, metadata included
            posted = [p for p in self.posted if p.get("channel") == body.get("channel")]
            return {"ok": True, "messages": [{"type": "message", "text": p.get("text"),
                                              "metadata": p.get("metadata")} for p in reversed(posted)]}
        if method == "files.list":  # the files uploaded to the channel
            return {"ok": True, "files": [f for u in self.uploaded if u.get("channel_id") == body.get("channel")
                                          for f in json.loads(u.get("files", "[]"))]}
        if method == "files.getUploadURLExternal":
            n = len(self.of(method))
            return {"ok": True, "upload_url": f"{self.url}/upload/F{n}", "file_id": f"F{n}"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"]} for f in json.loads(body.get("files", "[]"))]}
        return {"ok": True}


def _decode(raw: bytes, kind: str) -> dict[str, Any]:
    text = raw.decode("utf-8") if raw else ""
    if "json" in kind:
        return json.loads(text or "{}")
    return {k: v[0] for k, v in parse_qs(text).items()}
