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

from bot.outbox.deliveries import PENDING, Outcome, attempt_each, attempt_together, together
from bot.outbox.pacing import Pacer
from bot.outbox.platforms import Platforms


BATCH = 8  # deliveries a thread takes at once: written down in one transaction (on Slack, claimed in one too)


def fan_out(engine: Engine, platforms: Platforms, keys: list[str], *, threads: int = 8, pace: Pacer | None = None,
            tries: int = 3, backoff: float = 0.5, heartbeat: Callable[[], None] | None = None) -> Outcome:
    """Deliver `keys` with `threads` senders; returns what was sent, left pending and failed. One
    message to several people goes in one call where their platform can send it so. On a large
    round each thread takes a few deliveries at a time (up to BATCH), sends them one by one and
    writes down how they went at once (see attempt_each); a small round goes one at a time,
    spread over all the threads. `pace` holds every thread for a Retry-After (by default at no
    rate of its own: the platforms pace themselves)."""
    pace = pace or Pacer()
    queue = _Queue([(0.0, n, tuple(group), tries) for n, group in enumerate(together(engine, platforms, keys))])
    outcome, lock = Outcome(), threading.Lock()

    def work() -> None:
        # a full batch while every thread could take BATCH of them BATCH times over, smaller as the
        # queue empties: the end of a round, and a small round, go one at a time on all the threads
        while items := queue.take(max(1, min(BATCH, queue.ready() // (threads * BATCH)))):
            try:
                _send(items)
            finally:
                queue.done(len(items))

    def _send(items: list[tuple]) -> None:
        by_key = {key: item for item in items for key in item[2]}
        if len(items[0][2]) > 1:  # one message to several people, in one call
            pace.wait()
            results = attempt_together(engine, platforms, list(items[0][2]))
            for limited in {r.retry_after for r in results if r.retry_after is not None}:
                pace.limited(limited)
        else:
            results = attempt_each(engine, platforms, list(by_key), pace)
        for result in results:
            _, order, _, left = by_key[result.key]
            if result.status == PENDING and result.retry_after is not None:
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
    """Items ready at a time; `take` returns none once every item is done."""

    def __init__(self, items: list):
        self._heap = list(items)
        heapq.heapify(self._heap)
        self._open = len(items)
        self._ready = threading.Condition()

    def ready(self) -> int:
        """About how many items wait (some perhaps not ready yet)."""
        with self._ready:
            return len(self._heap)

    def take(self, most: int) -> list:
        """The first item ready, with up to `most` in all of the single-key ones ready after it
        when it is one; waits for one to be ready."""
        with self._ready:
            while True:
                if self._open == 0:
                    return []
                if self._heap and self._heap[0][0] <= time.monotonic():
                    return self._pop(most)
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                self._ready.wait(timeout=wait)

    def _pop(self, most: int) -> list:
        taken = [heapq.heappop(self._heap)]
        while len(taken[0][2]) == 1 and len(taken) < most and self._heap and \
                self._heap[0][0] <= time.monotonic() and len(self._heap[0][2]) == 1:
            taken.append(heapq.heappop(self._heap))
        return taken

    def put(self, item) -> None:
        with self._ready:
            heapq.heappush(self._heap, item)
            self._open += 1
            self._ready.notify()

    def done(self, n: int = 1) -> None:
        with self._ready:
            self._open -= n
            self._ready.notify_all()
