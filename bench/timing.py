"""What the benches share: the median wall time of a step."""

from __future__ import annotations

import statistics
import time


def timed(step, runs: int) -> float:
    """The median wall time of `runs` calls, in seconds."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        step()
        times.append(time.perf_counter() - began)
    return statistics.median(times)
