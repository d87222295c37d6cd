"""Send many deliveries at once, as fast as the platform lets us and no faster.

Threads share one pace: it speeds up a little with every message accepted, halves at every
429, and everyone waits out the Retry-After. A server error or timeout is retried with
backoff a few times; what still fails stays pending for the next run.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from bot.outbox.deliveries import PENDING, SENT, Outcome, attempt, attempt_together, together
from bot.outbox.platforms import Platforms


class Pace:
    """One rate for all threads: additive increase (about two a second more each second),
    multiplicative decrease (a fifth off at each 429)."""

    def __init__(self, rate: float = 20.0, most: float = 200.0, clock=time.monotonic, sleep=time.sleep):
        self.rate, self.most, self.clock, self.sleep = rate, most, clock, sleep
        self._next = self._paused_until = clock()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this thread may send: its turn has come and no Retry-After is running.
        A thread woken by its turn looks again, in case a 429 came meanwhile."""
        while True:
            with self._lock:
                now = self.clock()
                start = max(self._next, self._paused_until, now)
                if start <= now:
                    self._next = now + 1 / self.rate
                    return
            self.sleep(start - now)

    def accepted(self) -> None:
        with self._lock:
            self.rate = min(self.most, self.rate + 2 / self.rate)

    def limited(self, retry_after: float) -> None:
        with self._lock:
            self.rate = max(1.0, self.rate * 0.8)
            self._paused_until = max(self._paused_until, self.clock() + retry_after)


def fan_out(engine: Engine, platforms: Platforms, keys: list[str], *, threads: int = 8, pace: Pace | None = None,
            tries: int = 3, backoff: float = 0.5, heartbeat: Callable[[], None] | None = None) -> Outcome:
    """Deliver `keys` with `threads` senders; returns what was sent, left pending and failed. One
    message to several people goes in one call where their platform can send it so."""
    pace = pace or Pace()
    queue = _Queue([(0.0, n, tuple(group), tries) for n, group in enumerate(together(engine, platforms, keys))])
    outcome, lock = Outcome(), threading.Lock()

    def work() -> None:
        while (item := queue.take()) is not None:
            try:
                _send(item)
            finally:
                queue.done()

    def _send(item: tuple) -> None:
        _, order, group, left = item
        pace.wait()
        results = attempt_together(engine, platforms, list(group)) if len(group) > 1 else \
            [attempt(engine, platforms, group[0])]
        for result in results:
            if result.status == PENDING and result.retry_after is not None:
                pace.limited(result.retry_after)
                queue.put((0.0, order, (result.key,), left))  # rate limits cost no try
            elif result.status == PENDING and left > 1:
                queue.put((time.monotonic() + backoff * 2 ** (tries - left), order, (result.key,), left - 1))
            else:
                if result.status == SENT:
                    pace.accepted()
                with lock:
                    outcome.add(result)
        if heartbeat is not None:
            heartbeat()

    workers = [threading.Thread(target=work, name=f"kpibot-send-{n}") for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return outcome


class _Queue:
    """Items ready at a time; `take` returns None once every item is done."""

    def __init__(self, items: list):
        self._heap = list(items)
        heapq.heapify(self._heap)
        self._open = len(items)
        self._ready = threading.Condition()

    def take(self):
        with self._ready:
            while True:
                if self._open == 0:
                    return None
                if self._heap and self._heap[0][0] <= time.monotonic():
                    return heapq.heappop(self._heap)
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                self._ready.wait(timeout=wait)

    def put(self, item) -> None:
        with self._ready:
            heapq.heappush(self._heap, item)
            self._open += 1
            self._ready.notify()

    def done(self) -> None:
        with self._ready:
            self._open -= 1
            self._ready.notify_all()
