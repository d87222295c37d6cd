"""Writing the payroll export: CSV (UTF-8 with a byte-order mark, so that Excel reads the
Chinese right) or XLSX. The file is written beside its destination and moved into place, so
that a failed export leaves no half-written file."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook


def write_table(path: Path, fmt: str, header: list[str], rows: list[list[Any]], title: str) -> None:
    """Write `header` and `rows` to `path` as `fmt` (csv or xlsx); OSError when it cannot."""
    folder = path.resolve().parent
    handle, scratch = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    try:
        if fmt == "csv":
            with open(scratch, "w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(header)
                writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
        else:
            book = Workbook()
            sheet = book.active
            sheet.title = title
            sheet.append(header)
            for row in rows:
                sheet.append(row)
            sheet.freeze_panes = "C2"  # the header and the agent's ID and name stay in view
            book.save(scratch)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
