"""A local stand-in for a call-center system's stats API, on 127.0.0.1: JSON records for a day,
in pages, behind a bearer token, as vendors' CTI report APIs serve them. Each test scripts what
the next answers are (a slow one, a 500, HTML from a proxy, JSON cut short) and reads back every
request it got."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from loopback import stop_at_once

TOKEN = "cti-secret-token"


@dataclass
class Asked:
    path: str
    auth: str | None


@dataclass
class Cti:
    """records: the day (YYYY-MM-DD) -> its records, served `page_size` to a page at
    /api/stats?date=D&page=N (pages from 1; past the last, an empty page) in {"code": 0,
    "data": {"list": [...], "total": n}}; or, by `paging`, without the total ("bare"), with a
    `next` link instead ("next"), or by &offset=N ("offset"). `script`: answers that replace the
    next ones, in order: "slow" (longer than the client waits), 500, 401, "html", "cut" (JSON cut
    short)."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 2
    script: list[Any] = field(default_factory=list)
    asked: list[Asked] = field(default_factory=list)
    slow_seconds: float = 3.0
    paging: str = "total"
    under: str = "data"  # the key of the object holding the list and its total
    answer_past_end: bool = False  # past the last page, the last page again (as some APIs clamp)

    def __post_init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        stop_at_once(self.server)

    def answer(self, path: str, auth: str | None) -> tuple[int, str, bytes]:
        self.asked.append(Asked(path, auth))
        scripted = self.script.pop(0) if self.script else None
        if scripted == "slow":
            time.sleep(self.slow_seconds)
        elif scripted == "html":
            return 200, "text/html", b"<html><body>502 Bad Gateway</body></html>"
        elif scripted == "cut":
            return 200, "application/json", b'{"code": 0, "data": {"list": [{"agent_no": "A0'
        elif isinstance(scripted, int):
            return scripted, "application/json", b'{"code": 1, "msg": "error"}'
        if auth != f"Bearer {TOKEN}":
            return 401, "application/json", b'{"code": 401, "msg": "invalid token"}'
        query = parse_qs(urlparse(path).query)
        day, page = query.get("date", [""])[0], int(query.get("page", ["1"])[0])
        start = int(query["offset"][0]) if "offset" in query else (page - 1) * self.page_size
        records = self.records.get(day, [])
        if self.answer_past_end and records and start >= len(records):
            start = (len(records) - 1) // self.page_size * self.page_size
        shown = records[start:start + self.page_size]
        data: dict[str, Any] = {"list": shown}
        if self.paging == "total":
            data["total"] = len(records)
        body: dict[str, Any] = {"code": 0, self.under: data}
        if self.paging == "next" and start + self.page_size < len(records):
            body["next"] = f"/api/stats?date={day}&page={page + 1}"
        return 200, "application/json; charset=utf-8", json.dumps(body, ensure_ascii=False).encode()


def _handler(cti: Cti):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status, kind, body = cti.answer(self.path, self.headers.get("Authorization"))
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, *args):
            pass

    return Handler
