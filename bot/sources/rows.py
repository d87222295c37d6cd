"""Checking a file's rows before anything is written: each row's values, every bad row with all
its reasons, keys that must not repeat, and the report of an import. Every import is all or
nothing: one bad row and the file changes nothing, with each bad line and why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.sources.cells import CellError
from bot.sources.tables import Column, Formula, Table, cell, extra_cells
from scoring.problems import Problem

Progress = Callable[[int, int], None]  # (rows checked, rows in all)
EMPLOYEE_ID = Column("employee_id", ("工号", "employee id", "员工编号", "员工工号", "员工号", "坐席工号", "座席工号",
                                    "坐席编号", "agent id", "agent no", "agent number"), True)


@dataclass(frozen=True)
class BadRow:
    line: int
    problems: list[CellError]


class ImportRejected(Problem):
    """Some rows are bad: nothing was written."""

    def __init__(self, file: str, rows: list[BadRow]):
        super().__init__("import.rejected", file=file, count=len(rows))
        self.rows = rows


@dataclass
class ImportReport:
    kind: str  # roster, daily or cdr
    read: int = 0  # rows read from the file
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored: list[str] = field(default_factory=list)  # headers of columns not imported
    left: list[str] = field(default_factory=list)  # turned inactive with no leave date: given left_on
    left_on: date | None = None
    skipped: list[BadRow] = field(default_factory=list)  # in a pull: bad rows left out
    unit: str = "line"  # what their numbers count (see Table.unit)


@dataclass
class RowCheck:
    """Rows being checked: each row's values, the bad rows' problems by line, and the first line of
    each key that must not repeat."""

    table: Table
    progress: Progress | None
    parsed: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    bad: dict[int, list[CellError]] = field(default_factory=lambda: defaultdict(list))
    first: dict[Any, int] = field(default_factory=dict)

    def each(self):
        total = len(self.table.rows)
        for n, (line, cells) in enumerate(self.table.rows, start=1):
            if self.progress is not None and (n % 1000 == 0 or n == total):
                self.progress(n, total)
            yield line, cells

    def reject(self, line: int, code: str, **fields: Any) -> None:
        self.bad[line].append(CellError(code, **fields))

    def is_bad(self, line: int) -> bool:
        return line in self.bad

    def is_first(self, line: int, key: Any, code: str, **fields: Any) -> bool:
        """True on the first line with `key`; a later one is marked bad with `code`, naming the
        first. Bad rows count too: a row repeating a bad one is reported, not left for later."""
        first = self.first.setdefault(key, line)
        if first != line:  # the reason names the other line, or record, or row
            self.reject(line, code if self.table.unit == "line" else f"{code}_{self.table.unit}", other=first,
                        **fields)
        return first == line

    def bad_rows(self) -> list[BadRow]:
        return [BadRow(n, p) for n, p in sorted(self.bad.items())]

    def raise_if_bad(self, name: str) -> None:
        if self.bad:
            raise ImportRejected(name, self.bad_rows())

    def read(self, line: int, cells: list[Any], parsers: dict[str, Callable],
             required: tuple[str, ...]) -> dict[str, Any]:
        """Parse each present cell. A cell that fails, or a required one that is empty, is None and
        marks the row bad, as do cells beyond the header. Reasons name the column as the file's
        header does."""
        values = {name: self._parse(line, cells, name, parse) for name, parse in parsers.items()}
        for name in required:
            if cell(self.table, cells, name) is None:
                self.reject(line, "empty", column=self.table.headers[name])
        extra = extra_cells(self.table, cells)
        if extra:
            self.reject(line, "extra_cells", values=", ".join(extra))
        return values

    def _parse(self, line: int, cells: list[Any], name: str, parse: Callable) -> Any:
        raw, column = cell(self.table, cells, name), self.table.headers.get(name, name)
        try:
            if isinstance(raw, Formula):
                raise CellError("formula", column=column, value=raw.text)
            return None if raw is None else parse(raw, column)
        except CellError as err:
            self.reject(line, err.code, **err.fields)
            return None
