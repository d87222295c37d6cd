"""JSON over HTTP to WeCom, with the standard library: WeCom answers 200 with an errcode, so an
errcode is one error and anything else that goes wrong on the way (no connection, a timeout, a
5xx) is another."""

from __future__ import annotations

import json
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen


class WecomError(Exception):
    """WeCom answered with an errcode other than 0; `answer` is all it said."""

    def __init__(self, errcode: int, errmsg: str, answer: dict[str, Any] | None = None):
        super().__init__(f"{errcode} {errmsg}")
        self.errcode, self.errmsg, self.answer = errcode, errmsg, answer or {}


class WecomTransportError(Exception):
    """No answer from WeCom: no connection, a timeout, or a server error. `timed_out`: the
    request may have reached WeCom, which may have acted on it."""

    def __init__(self, reason: str, *, timed_out: bool = False):
        super().__init__(reason)
        self.reason, self.timed_out = reason, timed_out


def request(url: str, body: dict[str, Any] | None = None, *, query: dict[str, str] | None = None,
            method: str = "POST", timeout: float = 10) -> dict[str, Any]:
    """WeCom's JSON answer to `body` sent to `url` (with `query` added); raises WecomError for an
    errcode other than 0, WecomTransportError when there is no answer."""
    if query:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    sent = Request(url, data=data, method=method, headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urlopen(sent, timeout=timeout) as response:
            answer = json.loads(response.read().decode("utf-8") or "{}")
    except HTTPError as err:
        raise WecomTransportError(f"HTTP {err.code}") from None
    except (URLError, OSError, ValueError) as err:  # refused, reset, timed out, not JSON
        raise WecomTransportError(type(err).__name__, timed_out=_timed_out(err)) from None
    if answer.get("errcode", 0) != 0:
        raise WecomError(int(answer["errcode"]), str(answer.get("errmsg", "")), answer)
    return answer


def _timed_out(err: Exception) -> bool:
    return isinstance(err, TimeoutError) or isinstance(getattr(err, "reason", None), TimeoutError)
