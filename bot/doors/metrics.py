"""Counters for GET /metrics, in the Prometheus text format."""

from __future__ import annotations

import threading
from collections import Counter


class Metrics:
    def __init__(self):
        self._counts: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
        self._lock = threading.Lock()

    def count(self, name: str, **labels: str) -> None:
        with self._lock:
            self._counts[(name, tuple(sorted(labels.items())))] += 1

    def text(self, gauges: dict[tuple[str, tuple[tuple[str, str], ...]], float] | None = None) -> str:
        """Every counter (and the gauges given), one sample a line."""
        with self._lock:
            samples = sorted({**self._counts, **(gauges or {})}.items())
        lines = []
        for (name, labels), value in samples:
            shown = ",".join(f'{k}="{v}"' for k, v in labels)
            lines.append(f"{name}{{{shown}}} {value:g}" if shown else f"{name} {value:g}")
        return "\n".join(lines) + "\n"
