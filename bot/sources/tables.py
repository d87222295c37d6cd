"""Read a CSV or XLSX file into named columns (the cells are parsed in cells.py).

Headers may be English or Chinese; CSV may be UTF-8 (with or without BOM) or GB18030,
as Excel in China saves it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scoring.problems import Problem

HEADER_SEARCH = 10  # rows at the top of a file that may hold the header
HEAD_BYTES = 64 * 1024  # how much of a file read_csv_head reads
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # XLSX (a zip), and the old XLS


class FileProblem(Problem):
    """The file as a whole cannot be imported (unreadable, empty, columns missing)."""


@dataclass(frozen=True)
class Column:
    field: str
    names: tuple[str, ...]  # accepted headers besides `field` itself
    required: bool = False


@dataclass(frozen=True)
class Formula:
    """A spreadsheet formula saved without its value (written by a program, never opened in Excel)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Table:
    columns: dict[str, int]  # field -> index in each row
    headers: dict[str, str]  # field -> its header as the file writes it
    ignored: list[str]  # headers that name no known column
    rows: list[tuple[int, list[Any]]]  # (line number, cells)
    width: int  # cells up to the header's last non-blank one
    unit: str = "line"  # what a row's number counts: a file's lines, or an API's records, or a query's rows


def read_table(path: str | Path, columns: tuple[Column, ...]) -> Table:
    """The file's rows under the known `columns`; FileProblem when it cannot be imported."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem("import.no_file", file=str(path))
    lines = _xlsx_lines(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_lines(path)
    rows = [(n, cells) for n, cells in lines if not all(_blank(c) for c in cells)]
    if not rows:
        raise FileProblem("import.empty", file=path.name)
    at = _find_header(rows, columns)
    return table_of(path.name, rows[at][1], rows[at + 1:], columns)


def table_of(name: str, header: list[Any], rows: list[tuple[int, list[Any]]], columns: tuple[Column, ...],
             unit: str = "line") -> Table:
    """`rows` under `header` as the known `columns`; FileProblem naming `name` when a required one
    is missing."""
    mapped, ignored = _map_header(header, columns)
    missing = [c for c in columns if c.required and c.field not in mapped]
    if missing:
        raise FileProblem("import.missing_columns", file=name, columns=column_names(missing))
    headers = {field: str(header[index]).strip() for field, index in mapped.items()}
    width = max((n + 1 for n, c in enumerate(header) if not _blank(c)), default=0)
    return Table(mapped, headers, ignored, rows, width, unit)


def column_names(columns: list[Column], sep: str = ", ") -> str:
    """How missing columns are named: kpibot's name and its first other one."""
    return sep.join(f"{c.field} ({c.names[0]})" for c in columns)


def _find_header(rows: list[tuple[int, list[Any]]], columns: tuple[Column, ...]) -> int:
    """Where the header row is: the first of the top rows naming every required column (exports
    often put a title above it), else the first row."""
    required = {c.field for c in columns if c.required}
    for at, (_, cells) in enumerate(rows[:HEADER_SEARCH]):
        if required <= set(_map_header(cells, columns)[0]):
            return at
    return 0


@dataclass(frozen=True)
class CsvHead:
    """The top of a CSV file as read_table reads it: the header row, and how to read on from it."""

    header: list[str]
    delimiter: str
    skip: int  # lines up to and including the header's, each of them a whole record


def read_csv_head(path: Path, columns: tuple[Column, ...]) -> CsvHead | None:
    """The row read_table would take for the header of a UTF-8 CSV file, from its first HEAD_BYTES
    alone. None when they cannot tell for certain: a workbook, another encoding, no row after the
    header there, or a record above the data spanning lines."""
    with path.open("rb") as file:
        raw = file.read(HEAD_BYTES + 1)
    whole = len(raw) <= HEAD_BYTES
    if path.suffix.lower() in (".xlsx", ".xlsm") or raw[:4] in WORKBOOK_MAGIC:
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(raw[:HEAD_BYTES], final=whole)
    except UnicodeDecodeError:
        return None
    delimiter = _delimiter(text)
    records = list(_records(text, delimiter))
    if not whole:  # the last record may be cut short
        records = records[:-1] if "\n" in text else []
    rows = [(n, cells) for n, cells in records if not all(_blank(c) for c in cells)]
    if not rows:
        return None
    line, header = rows[_find_header(rows, columns)]
    if len(records) <= line or any(n != count for count, (n, _) in enumerate(records[:line + 1], start=1)):
        return None
    return CsvHead(header, delimiter, line)


def is_utf8(path: Path) -> bool:
    """Whether read_table reads the CSV file as UTF-8, as it does when every byte of it is; else as
    GB18030. Read a piece at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        try:
            while piece := file.read(1 << 20):
                decoder.decode(piece)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _csv_lines(path: Path) -> Iterator[tuple[int, list[Any]]]:
    raw = path.read_bytes()
    if raw[:4] in WORKBOOK_MAGIC:
        raise FileProblem("import.not_csv", file=path.name)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem("import.unreadable", file=path.name, reason="encoding")
    return _records(text, _delimiter(text))


def _delimiter(text: str) -> str:
    """A tab when the first line has more tabs than commas, else a comma."""
    first = text.split("\n", 1)[0]
    return "\t" if first.count("\t") > first.count(",") else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    ended = 0
    for cells in reader:
        yield ended + 1, cells  # where the record starts, even when a quoted cell spans lines
        ended = reader.line_num


def _xlsx_lines(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """The first sheet's saved values. The file is read twice, for values and for formulas, so
    that a formula saved without its value is told apart from an empty cell."""
    with closing(_workbook(path, data_only=True)) as values, \
            closing(_workbook(path, data_only=False)) as formulas:
        rows = zip(values.worksheets[0].iter_rows(values_only=True),
                   formulas.worksheets[0].iter_rows(values_only=True))
        for n, (saved, written) in enumerate(rows, start=1):
            yield n, [Formula(str(getattr(f, "text", f))) if v is None and f is not None else v
                      for v, f in zip(saved, written)]


def _workbook(path: Path, data_only: bool):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=data_only)
    except Exception as err:  # openpyxl raises many kinds for a damaged file
        raise FileProblem("import.unreadable", file=path.name, reason=type(err).__name__) from None


def _normal(header: Any) -> str:
    text = str(header or "").strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_\-]+", "", text)


def _map_header(header: list[Any], columns: tuple[Column, ...]) -> tuple[dict[str, int], list[str]]:
    names = {_normal(name): c.field for c in columns for name in (c.field, *c.names)}
    mapped: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(header):
        field = names.get(_normal(cell))
        if field is None or field in mapped:
            if str(cell or "").strip():
                ignored.append(str(cell).strip())
            continue
        mapped[field] = index
    return mapped, ignored


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def extra_cells(table: Table, cells: list[Any]) -> list[str]:
    """The non-blank cells of a row to the right of the header's last column."""
    return [str(value).strip() for value in cells[table.width:] if not _blank(value)]


def cell(table: Table, cells: list[Any], field: str) -> Any:
    """The raw cell of `field`, or None when the column or the cell is absent or blank."""
    index = table.columns.get(field)
    if index is None or index >= len(cells) or _blank(cells[index]):
        return None
    value = cells[index]
    return value.strip() if isinstance(value, str) else value
