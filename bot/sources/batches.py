"""What a stats source gives the pull: batches to import (a file, an API's answer for a day, a
query's rows), or word that it could not be reached. Each source knows how to list its batches;
the pull imports them all the same way."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol, TypeVar

from bot.sources.tables import Column, Table
from scoring.problems import Problem

T = TypeVar("T")
WAITS = (2.0, 8.0)  # seconds before the second and third tries of a source that is down


class SourceError(Problem):
    """The source gave nothing this time: its code says why (`pull.down.*` may pass; the others
    need someone to change a setting)."""

    @property
    def is_passing(self) -> bool:
        return self.code.startswith("pull.down.")


@dataclass
class Batch:
    """One thing to import. `path` when it is a file (read as any import reads a file), else
    `read` gives its table under the columns asked for (None when it holds no records)."""

    name: str  # what the reports call it: a file's name, a URL, a query and its day
    digest: str  # of the content: the same digest as the last pull of `name` is nothing new
    path: Path | None = None
    read: Callable[[tuple[Column, ...]], Table | None] | None = None
    settle: Callable[[bool], None] = field(default=lambda imported: None)  # after: imported or not


@dataclass(frozen=True)
class Unreached:
    name: str
    error: SourceError


class Source(Protocol):
    def batches(self, days: list[date]) -> Iterator[Batch | Unreached]:
        """What there is to import now, for `days` where the source is asked by date."""


def with_retries(fetch: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
    """fetch(), tried again after each of WAITS while the source is down (the error then says how
    many tries); an error that a retry cannot mend (credentials, a bad query) is raised at once."""
    for tries, wait in enumerate((*WAITS, None), start=1):
        try:
            return fetch()
        except SourceError as err:
            if not err.is_passing or wait is None:
                err.fields.setdefault("tries", tries)
                raise
        sleep(wait)
    raise AssertionError("unreachable")
