"""Send many deliveries at once, as fast as the platform lets us and no faster.

Each platform paces its own requests to its rate limit (bot/outbox/pacing.py: Slack's may take
two for one message, opening the DM channel first). When a send is refused with a Retry-After
all the sending threads wait it out, and the delivery is tried again at no cost to its tries. A
server error or timeout is retried with backoff a few times; what still fails stays pending for
the next run.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from bot.outbox.deliveries import PENDING, Outcome, attempt, attempt_together, together
from bot.outbox.pacing import Pacer
from bot.outbox.platforms import Platforms


def fan_out(engine: Engine, platforms: Platforms, keys: list[str], *, threads: int = 8, pace: Pacer | None = None,
            tries: int = 3, backoff: float = 0.5, heartbeat: Callable[[], None] | None = None) -> Outcome:
    """Deliver `keys` with `threads` senders; returns what was sent, left pending and failed. One
    message to several people goes in one call where their platform can send it so. `pace` holds
    every thread for a Retry-After (by default at no rate of its own: the platforms pace themselves)."""
    pace = pace or Pacer()
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
