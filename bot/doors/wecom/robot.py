"""The group robot: posts in one WeCom group through its webhook URL, for the month-end post.

A markdown post holds at most 4,096 bytes of UTF-8, so a longer text goes as several posts, cut
between lines (a line too long alone is cut at a character); an image goes as base64 with the
md5 of its bytes, 2 MB at most. A robot posts at most 20 times a minute: past that, kpibot does
not post but says when it may (SendFailed with retry_after), and the outbox tries again then.
"""

from __future__ import annotations

import base64
import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from bot.doors.wecom.answers import failure
from bot.doors.wecom.limits import Limiter
from bot.doors.wecom.transport import WecomError, WecomTransportError, request
from bot.outbox.deliveries import SendFailed, Undeliverable
from messages.wecom import cut_bytes, size

MOST_MARKDOWN = 4096
MOST_IMAGE = 2 * 1024 * 1024
PER_MINUTE = 20


def split(text: str, most: int = MOST_MARKDOWN) -> list[str]:
    """`text` in parts of at most `most` bytes, whole lines each where a line fits; joined
    together they are `text` again."""
    parts, current = [], ""
    for line in text.splitlines(keepends=True):
        if current and size(current + line) > most:
            parts.append(current)
            current = ""
        while size(line) > most:  # a line too long alone
            head = cut_bytes(line, most) or line[:1]
            parts.append(head)
            line = line[len(head):]
        current += line
    return [*parts, current] if current else parts


class Robot:
    def __init__(self, url: str, timeout: float = 10, *, clock: Callable[[], float] = time.monotonic):
        """`url` is the robot's webhook URL (…/webhook/send?key=…); `clock` counts its minute."""
        self.url, self.timeout = url, timeout
        self.limiter = Limiter(((PER_MINUTE, 60.0),), clock)

    def post_markdown(self, text: str) -> None:
        """Post `text` as markdown, in as many posts as it takes, in order."""
        parts = split(text)
        self._room(len(parts))
        for part in parts:
            self._post({"msgtype": "markdown", "markdown": {"content": part}})

    def post_image(self, data: bytes) -> None:
        """Post a PNG or JPG image."""
        if len(data) > MOST_IMAGE:
            raise Undeliverable(f"an image of {len(data):,} bytes: the robot takes {MOST_IMAGE:,} at most")
        self._room(1)
        self._post({"msgtype": "image", "image": {"base64": base64.b64encode(data).decode("ascii"),
                                                  "md5": hashlib.md5(data).hexdigest()}})

    def _room(self, posts: int) -> None:
        """Count `posts` against the minute, or raise: none is posted unless all may be."""
        wait = self.limiter.take(["robot"], posts)
        if wait == math.inf:
            raise Undeliverable(f"{posts} posts at once: the robot takes {PER_MINUTE} a minute")
        if wait:
            raise SendFailed(f"the robot's {PER_MINUTE} posts a minute are used", retry_after=wait)

    def _post(self, body: dict[str, Any]) -> None:
        try:
            request(self.url, body, timeout=self.timeout)
        except (WecomError, WecomTransportError) as err:
            raise failure(err) from None
