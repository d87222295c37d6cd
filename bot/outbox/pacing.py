"""One pace for all the threads sending to a platform, so that together they stay under its rate
limit instead of bursting past it and waiting out 429s.

A platform that publishes a rate (Slack: so many requests a second) is paced a little under it:
requests are given out on a schedule, one every 1/pace seconds, to whichever thread asks next.
A thread that asks less than an interval late keeps the slot it missed, so wake-up delays cost
no rate, yet no second ever holds more than pace + 2 of them (pace + 1 if nobody is late). A
Retry-After holds every thread until it is over; and since a 429 means the platform allows less
than was thought (or someone else is using it), the pace drops by a fifth, once per hold, and
climbs back to the rate over the following 20 seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

HEADROOM = 0.95  # of the platform's rate: room for requests that bunch up on their way
SLOWER = 0.8  # the pace after a 429, of what it was
RECOVERY = 0.01  # of the rate regained each second after a 429


class Pacer:
    """Requests for one platform, from every thread: at most `rate` a second (less HEADROOM), or
    as many as are asked for when `rate` is None; none while a Retry-After runs."""

    def __init__(self, rate: float | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.most = rate * HEADROOM if rate else None
        self.pace = self.most
        self.clock, self.sleep = clock, sleep
        self._next = self._held_until = self._paced_at = clock()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this thread may make its request. A thread woken by its turn looks again,
        in case a Retry-After came meanwhile."""
        while True:
            with self._lock:
                now = self.clock()
                start = max(self._next, self._held_until)
                if start <= now:
                    self._take(now)
                    return
            self.sleep(start - now)

    def limited(self, retry_after: float) -> None:
        """The platform answered 429: nobody sends until `retry_after` seconds from now."""
        with self._lock:
            now = self.clock()
            if self.pace is not None and now >= self._held_until:  # the first 429 of this hold
                self.pace = max(1.0, self.pace * SLOWER)
            self._held_until = max(self._held_until, now + retry_after)

    def _take(self, now: float) -> None:
        if self.pace is None:
            return
        self.pace = min(self.most, self.pace + self.most * RECOVERY * (now - self._paced_at))
        self._paced_at = now
        interval = 1 / self.pace
        # a slot missed by less than an interval is kept (the thread woke late); time not used for
        # longer is not owed: the next slot is an interval from now
        self._next = (self._next if now - self._next < interval else now) + interval
