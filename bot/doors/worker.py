"""Work done after a chat request was acknowledged, on a pool of its own.

Chat platforms want an answer within seconds; the work (queries, sends) happens here, so a
slow moment never delays an acknowledgement. A failing job is logged, never raised.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("kpibot.worker")


class Worker:
    def __init__(self, threads: int = 8):
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kpibot-work")
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, job: Callable[..., object], *args: object) -> None:
        with self._idle:
            self._busy += 1
        self._pool.submit(self._run, job, *args)

    def _run(self, job: Callable[..., object], *args: object) -> None:
        try:
            job(*args)
        except Exception:
            log.exception("background job %s failed", getattr(job, "__name__", job))
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10) -> bool:
        """Wait until no job is running or queued; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
