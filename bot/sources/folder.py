"""A drop folder: the call-center system writes CSV or XLSX exports into it, and each file is
taken once it has stopped changing, imported, and moved aside: into `done/` once imported (bad
rows left out and reported), into `failed/` when it could not be read at all.

A file still being written is left for the next pull: names a writer uses before renaming
(`.part`, `.tmp`, a leading dot, Excel's `~$` lock files) are not stats files, and a file whose
size or time changes while the pull looks at it is not taken yet."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from bot.sources.batches import Batch

log = logging.getLogger("kpibot.pull")
SUFFIXES = (".csv", ".xlsx")
SETTLE_SECONDS = 1.0  # a file must look the same this long apart to be taken
DONE, FAILED = "done", "failed"


class DropFolder:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def batches(self, days: list[date]) -> Iterator[Batch]:
        """The folder's settled files, oldest first, so a newer export of a day replaces an older."""
        settled = self._settled()
        for path in sorted(settled, key=lambda p: (settled[p][1], p.name)):
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except FileNotFoundError:  # taken meanwhile by another pull
                continue
            yield Batch(path.name, digest, path=path,
                        settle=lambda imported, path=path: self._move_aside(path, DONE if imported else FAILED))

    def _settled(self) -> dict[Path, tuple[int, int]]:
        """The candidates that looked the same SETTLE_SECONDS apart, with their (size, time)."""
        looks = {p: _look(p) for p in self._candidates()}
        if looks:
            time.sleep(SETTLE_SECONDS)
        return {p: seen for p, seen in looks.items() if seen is not None and _look(p) == seen}

    def _candidates(self) -> list[Path]:
        return [p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                and not p.name.startswith((".", "~$"))]

    def _move_aside(self, path: Path, into: str) -> None:
        folder = self.folder / into
        folder.mkdir(exist_ok=True)
        target, n = folder / path.name, 1
        while target.exists():
            n += 1
            target = folder / f"{path.stem}.{n}{path.suffix}"
        try:
            path.rename(target)
        except OSError as err:  # left where it is: the next pull sees the same content and skips it
            log.warning("could not move %s to %s/: %s", path.name, into, err)


def _look(path: Path) -> tuple[int, int] | None:
    """(size, modified time); None once the file is gone."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_size, stat.st_mtime_ns
