"""A stand-in for WeCom's server API and one group robot on 127.0.0.1: it answers as WeCom does,
with its error codes and messages, records every call, and can be told to fail or hold a path.

What it enforces, as WeCom documents it (developer.work.weixin.qq.com):
- gettoken: the corp ID (else 40013) and the app's secret (else 40001); a token lives
  `expires_in` 7,200 s and asking again within its life gives the same one back; `revoke()`
  ends it early (40014 on use, as WeCom may), `expire()` ends its life (42001).
- message/send: the app's agentid (40056), at most 1,000 users in touser "a|b|c" (40032); users
  it does not know come back in `invaliduser` (lowercased) while the others are sent, and when
  none is known the call fails (81013); text and markdown content at most 2,048 bytes (40058).
  Each member takes at most 30 messages a minute and 1,000 an hour from the app: the rest are
  accepted and dropped, never delivered (WeCom says no more than that), kept in `dropped`.
- message/update_template_card: a response_code it gave, once, within 72 hours.
- webhook/send (the robot): its key (93000); text at most 2,048 bytes and markdown at most 4,096
  (40058); an image as base64 with the md5 of its bytes, PNG or JPG, at most 2 MB; at most 20
  posts a minute (45009).
WeCom's limits are counted on `now`, a clock the test moves (`advance`), so no test waits a minute.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from loopback import stop_at_once

CORP_ID, SECRET, AGENT_ID, ROBOT_KEY = "wwkpibot0test", "app-secret-for-tests", "1000002", "robot-key-for-tests"
TOKEN_LIFE = 7200
INTERACTIVE = {"button_interaction", "vote_interaction", "multiple_interaction"}  # cards with a response_code
IMAGE_KINDS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


@dataclass
class Call:
    path: str  # after /cgi-bin/: gettoken, message/send, message/update_template_card, webhook/send
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class Scripted:
    status: int = 200
    body: dict[str, Any] | None = None  # answered instead of the usual answer
    after: bool = False  # the call is carried out first: WeCom took it, its answer went astray


def _error(errcode: int, errmsg: str, **more: Any) -> dict[str, Any]:
    return {"errcode": errcode, "errmsg": errmsg, **more}


class WecomStandIn:
    def __init__(self, users: Iterable[str] = ("wangfang", "lina", "zhaolei", "xuchen")):
        self.users = {u.lower() for u in users}  # WeCom compares userids without case
        self.now = 0.0  # seconds on the stand-in's clock
        self.calls: list[Call] = []
        self.received: dict[str, list[dict[str, Any]]] = defaultdict(list)  # userid -> messages delivered
        self.dropped: dict[str, list[dict[str, Any]]] = defaultdict(list)  # past a member's limits
        self.robot_posts: list[dict[str, Any]] = []  # what the robot posted in the group
        self.cards: list[dict[str, Any]] = []  # update_template_card bodies it accepted
        self.refused: list[tuple[str, int]] = []  # (path, errcode) of every call it refused
        self.token: str | None = None
        self._token_until, self._token_ended = 0.0, None  # None, or the errcode its use gets
        self._numbers = itertools.count(1)
        self._member_times: dict[str, deque[float]] = defaultdict(deque)
        self._robot_times: deque[float] = deque()
        self._response_codes: dict[str, float] = {}  # unused response_code -> when it was given
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._holds: dict[str, threading.Event] = {}
        self._lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                standin._handle(self)

            def do_POST(self):
                standin._handle(self)

            def log_message(self, *args):
                pass

        return Handler

    # --- where it is -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + "/cgi-bin/"

    def webhook_url(self, key: str = ROBOT_KEY) -> str:
        return f"{self.url}/cgi-bin/webhook/send?key={key}"

    def close(self) -> None:
        """Stop at once (see loopback.stop_at_once)."""
        stop_at_once(self.server, self._holds.values())

    # --- what the test does ----------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the stand-in's clock on."""
        with self._lock:
            self.now += seconds

    def revoke(self) -> None:
        """End the current token early, as WeCom may: its next use gets 40014."""
        with self._lock:
            self._token_ended = 40014

    def expire(self) -> None:
        """End the current token's life: its next use gets 42001."""
        with self._lock:
            self._token_ended = 42001

    def script(self, path: str, status: int = 200, body: dict | None = None, *, after: bool = False) -> None:
        """The next call of `path` gets this answer (an HTTP status, or a body such as
        {"errcode": 45009, "errmsg": …}) instead of the usual one; `after`: it is carried out first.
        Scripted with neither, a call goes through as usual (to script the one after it)."""
        self._scripts[path].append(Scripted(status, body, after))

    def hold(self, path: str) -> threading.Event:
        """Calls of `path` wait until the returned event is set (or the stand-in closes)."""
        self._holds[path] = threading.Event()
        return self._holds[path]

    def click_code(self) -> str:
        """The ResponseCode WeCom puts in the event of a card's button pressed: good for one update."""
        with self._lock:
            code = f"rc{next(self._numbers)}"
            self._response_codes[code] = self.now
        return code

    def of(self, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path]

    # --- answering --------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        path = parts.path.removeprefix("/cgi-bin/")
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        call = Call(path, dict(parse_qsl(parts.query)), _decode(raw))
        with self._lock:
            self.calls.append(call)
        if path in self._holds:
            self._holds[path].wait(timeout=30)
        scripted = self._scripts[path].popleft() if self._scripts[path] else Scripted()
        replaced = scripted.body is not None or scripted.status != 200
        if scripted.after or not replaced:
            with self._lock:
                body = self._usual(call)
            if body.get("errcode"):
                self.refused.append((path, body["errcode"]))
        if replaced:
            body = scripted.body or {}
        _answer(request, scripted.status, body)

    def _usual(self, call: Call) -> dict[str, Any]:
        routes = {"gettoken": self._gettoken, "message/send": self._send,
                  "message/update_template_card": self._update_card, "webhook/send": self._robot}
        if call.path not in routes:
            return _error(404, "invalid api path")  # not a path of WeCom's API
        if call.path in ("message/send", "message/update_template_card"):
            refused = self._token_refusal(call.query.get("access_token"))
            if refused:
                return refused
        return routes[call.path](call)

    def _gettoken(self, call: Call) -> dict[str, Any]:
        if call.query.get("corpid") != CORP_ID:
            return _error(40013, "invalid corpid")
        if call.query.get("corpsecret") != SECRET:
            return _error(40001, "invalid credential")
        if self.token is None or self._token_ended or self.now >= self._token_until:
            self.token = f"token-{next(self._numbers)}-{hashlib.md5(str(self.now).encode()).hexdigest()[:12]}"
            self._token_until, self._token_ended = self.now + TOKEN_LIFE, None
        return {"errcode": 0, "errmsg": "ok", "access_token": self.token,
                "expires_in": int(self._token_until - self.now)}

    def _token_refusal(self, token: str | None) -> dict[str, Any] | None:
        if not token:
            return _error(41001, "access_token missing")
        if token != self.token or self._token_ended == 40014:
            return _error(40014, "invalid access_token")
        if self._token_ended == 42001 or self.now >= self._token_until:
            return _error(42001, "access_token expired")
        return None

    def _send(self, call: Call) -> dict[str, Any]:
        body = call.body
        refused = self._message_refusal(body)
        if refused:
            return refused
        wanted = [u for u in str(body.get("touser", "")).split("|") if u]
        if len(wanted) > 1000:
            return _error(40032, "invalid userid list size")
        known = [u for u in wanted if u.lower() in self.users]
        invalid = "|".join(u.lower() for u in wanted if u.lower() not in self.users)
        if not known:
            return _error(81013, "user & party & tag all invalid", invaliduser=invalid)
        for user in known:
            self._deliver(user.lower(), body)
        answer = {"errcode": 0, "errmsg": "ok", "invaliduser": invalid, "msgid": f"msg{next(self._numbers)}"}
        if body.get("msgtype") == "template_card" and body["template_card"].get("card_type") in INTERACTIVE:
            answer["response_code"] = f"rc{next(self._numbers)}"
            self._response_codes[answer["response_code"]] = self.now
        return answer

    def _message_refusal(self, body: dict[str, Any]) -> dict[str, Any] | None:
        if str(body.get("agentid")) != AGENT_ID:
            return _error(40056, "invalid agentid")
        kind = body.get("msgtype")
        if kind not in ("text", "markdown", "template_card"):
            return _error(40008, "invalid message type")
        if kind in ("text", "markdown"):
            content = str((body.get(kind) or {}).get("content", ""))
            if not content:
                return _error(44004, "empty content")
            if len(content.encode("utf-8")) > 2048:
                return _error(40058, f"{kind}.content exceed max length 2048")
        return None

    def _deliver(self, user: str, body: dict[str, Any]) -> None:
        """Received, unless past the member's 30 a minute or 1,000 an hour: then dropped, as
        WeCom drops it."""
        times = self._member_times[user]
        while times and times[0] <= self.now - 3600:
            times.popleft()
        if len(times) >= 1000 or sum(1 for t in times if t > self.now - 60) >= 30:
            self.dropped[user].append(body)
            return
        times.append(self.now)
        self.received[user].append(body)

    def _update_card(self, call: Call) -> dict[str, Any]:
        body = call.body
        if str(body.get("agentid")) != AGENT_ID:
            return _error(40056, "invalid agentid")
        given = self._response_codes.pop(str(body.get("response_code")), None)
        if given is None or self.now - given > 72 * 3600:
            return _error(40035, "invalid response_code")  # spent, unknown or too old: its code is not documented
        self.cards.append(body)
        return {"errcode": 0, "errmsg": "ok", "invaliduser": ""}

    def _robot(self, call: Call) -> dict[str, Any]:
        if call.query.get("key") != ROBOT_KEY:
            return _error(93000, "invalid webhook url")
        refused = self._robot_refusal(call.body)
        if refused:
            return refused
        while self._robot_times and self._robot_times[0] <= self.now - 60:
            self._robot_times.popleft()
        if len(self._robot_times) >= 20:
            return _error(45009, "api freq out of limit")
        self._robot_times.append(self.now)
        self.robot_posts.append(call.body)
        return {"errcode": 0, "errmsg": "ok"}

    def _robot_refusal(self, body: dict[str, Any]) -> dict[str, Any] | None:
        kind, most = body.get("msgtype"), {"text": 2048, "markdown": 4096}
        if kind in most:
            content = str((body.get(kind) or {}).get("content", ""))
            if not content:
                return _error(44004, "empty content")
            if len(content.encode("utf-8")) > most[kind]:
                return _error(40058, f"{kind}.content exceed max length {most[kind]}")
            return None
        if kind == "image":
            return _image_refusal(body.get("image") or {})
        return _error(40008, "invalid message type")


def _image_refusal(image: dict[str, Any]) -> dict[str, Any] | None:
    try:
        data = base64.b64decode(str(image.get("base64", "")), validate=True)
    except ValueError:
        return _error(40035, "invalid base64")
    if hashlib.md5(data).hexdigest() != image.get("md5"):
        return _error(40035, "media md5 not match")  # WeCom's words; its code is not documented
    if len(data) > 2 * 1024 * 1024:
        return _error(40009, "invalid image size")
    if not data.startswith(IMAGE_KINDS):
        return _error(40004, "invalid media type")
    return None


def _decode(raw: bytes) -> dict[str, Any]:
    try:
        return json.loads(raw.decode("utf-8")) if raw else {}
    except ValueError:
        return {"unreadable": raw.decode("utf-8", errors="replace")}


def _answer(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    try:
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
    except OSError:  # the client gave up waiting (a test of its timeout): nobody to answer
        pass
