"""Records as a table: the objects of a JSON API or the rows of a query become rows under a
header, so that they are checked and imported as any file is. A record's number (from 1) stands
for a file's line in the reasons."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from bot.sources.batches import SourceError
from bot.sources.tables import Column, Table, table_of

LIST_KEYS = ("data", "records", "items", "rows", "list", "result", "results")  # where APIs keep them


def records_table(name: str, records: Iterable[Mapping[str, Any]], columns: tuple[Column, ...]) -> Table:
    """The records (nested objects flattened to dotted keys) under the union of their keys."""
    flat = [_flatten(r) for r in records]
    header = list(dict.fromkeys(key for r in flat for key in r))
    return table_of(name, header, [(n, [r.get(k) for k in header]) for n, r in enumerate(flat, start=1)],
                    columns, "record")


def rows_table(name: str, keys: list[str], rows: Iterable[tuple], columns: tuple[Column, ...]) -> Table:
    return table_of(name, list(keys), [(n, list(r)) for n, r in enumerate(rows, start=1)], columns, "row")


def records_in(body: Any, path: str | None) -> list[Mapping[str, Any]]:
    """The list of records in a JSON answer: at the dotted `path`, else the answer itself when it
    is a list, else the first list under a usual key (one level down too, as in data.list)."""
    found = records_at(body, path) if path else _usual(body)
    if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
        raise SourceError("pull.refused.no_records", path=path or "", keys=_keys(body))
    return found


def _usual(body: Any) -> Any:
    if isinstance(body, list):
        return body
    for outer in (body, *(body.get(k) for k in LIST_KEYS if isinstance(body, dict))):
        if isinstance(outer, dict):
            for key in LIST_KEYS:
                if isinstance(outer.get(key), list):
                    return outer[key]
    return None


def records_at(body: Any, path: str) -> Any:
    """What the JSON answer holds at the dotted `path`; None when nothing."""
    for key in path.split("."):
        body = body.get(key) if isinstance(body, dict) else None
    return body


def _keys(body: Any) -> str:
    return ", ".join(list(body)[:10]) if isinstance(body, dict) else type(body).__name__


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
    return flat
