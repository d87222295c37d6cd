"""Errors a person reads: a catalogue code and its fields; messages/ words them in each language."""

from __future__ import annotations

from typing import Any


class Problem(Exception):
    """Something a person must fix, named by `code` (a key of messages' catalogues)."""

    def __init__(self, code: str, /, **fields: Any):
        super().__init__(code, fields)
        self.code, self.fields = code, fields

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"{self.code}({shown})"
