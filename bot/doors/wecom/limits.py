"""WeCom's rates, kept in this process: at most so many sends in any window of time, per key (a
member of the app, the group robot), so that kpibot waits instead of WeCom refusing or dropping."""

from __future__ import annotations

import math
import threading
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable


class Limiter:
    """Sliding windows: `rules` are (at most, seconds) pairs, e.g. ((30, 60), (1000, 3600))."""

    def __init__(self, rules: tuple[tuple[int, float], ...], clock: Callable[[], float] = time.monotonic):
        self.rules, self.clock = rules, clock
        self._times: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()

    def take(self, keys: Iterable[str], n: int = 1) -> float:
        """Count `n` sends now for each of `keys` when every one has room, and return 0; else
        count none and return the seconds until they would have (math.inf: never, n is too many)."""
        keys = list(keys)
        with self._lock:
            now = self.clock()
            wait = max((self._wait(key, n, now) for key in keys), default=0.0)
            if wait == 0:
                for key in keys:
                    self._times[key].extend([now] * n)
            return wait

    def _wait(self, key: str, n: int, now: float) -> float:
        times = self._times[key]
        del times[:bisect_right(times, now - max(seconds for _, seconds in self.rules))]
        wait = 0.0
        for most, seconds in self.rules:
            if n > most:
                return math.inf
            recent = times[bisect_right(times, now - seconds):]
            if len(recent) + n > most:  # the oldest of them must leave the window first
                wait = max(wait, recent[len(recent) + n - most - 1] + seconds - now)
        return wait
