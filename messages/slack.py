"""Slack Block Kit: render a *.blocks.j2 template to blocks that fit Slack's limits.

A message carries at most 50 blocks and a section at most 3,000 characters; a header at most
150. Longer lists are cut, and the last line says how many more there were.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from messages.render import render, text

MOST_BLOCKS = 50
MOST_SECTION = 3000
MOST_HEADER = 150
MOST_TEXT = 40000  # a message's text (the fallback beside the blocks): Slack cuts it past this


@cache
def has_blocks(name: str) -> bool:
    """True when template `name` has a Block Kit layout of its own (`name`.blocks.j2)."""
    return (resources.files("messages") / "templates" / f"{name}.blocks.j2").is_file()


def blocks(name: str, locale: str, /, **context: Any) -> list[dict[str, Any]]:
    """The blocks of template `name`.blocks.j2, cut to Slack's limits."""
    return fit(json.loads(render(name, locale, fmt="blocks", **context)), locale)


def view(name: str, locale: str, /, **context: Any) -> dict[str, Any]:
    """A modal or App Home view from template `name`.blocks.j2, its blocks cut to the limits."""
    built = json.loads(render(name, locale, fmt="blocks", **context))
    built["blocks"] = fit(built["blocks"], locale)
    return built


def fit(given: list[dict[str, Any]], locale: str) -> list[dict[str, Any]]:
    """Sections cut to 3,000 characters, headers to 150, and at most 50 blocks."""
    fitted = [_fit_block(block, locale) for block in given]
    if len(fitted) <= MOST_BLOCKS:
        return fitted
    dropped = len(fitted) - (MOST_BLOCKS - 1)
    return fitted[:MOST_BLOCKS - 1] + [_context(text(locale, "chat.more", n=dropped))]


def _fit_block(block: dict[str, Any], locale: str) -> dict[str, Any]:
    if block.get("type") == "header":
        words = block["text"]["text"]
        if len(words) > MOST_HEADER:
            block = {**block, "text": {**block["text"], "text": words[:MOST_HEADER - 1] + "…"}}
    if block.get("type") == "section" and len(block.get("text", {}).get("text", "")) > MOST_SECTION:
        block = {**block, "text": {**block["text"], "text": _cut_lines(block["text"]["text"], locale)}}
    return block


def _cut_lines(value: str, locale: str, most: int = MOST_SECTION) -> str:
    """Whole lines up to the limit, then "…and N more" for the lines left out. A line too long
    to fit even alone is cut short with "…" (lists of names are cut earlier, in the templates)."""
    lines = value.split("\n")
    kept: list[str] = []
    for n, line in enumerate(lines):
        more = text(locale, "chat.more", n=len(lines) - n)
        if len("\n".join([*kept, line, more])) > most:
            room = most - len("\n".join([*kept, more])) - 2
            if not kept and room > 0:
                return "\n".join([line[:room] + "…", text(locale, "chat.more", n=len(lines) - n - 1)])
            return "\n".join([*kept, more])
        kept.append(line)
    return value


def fallback(words: str, locale: str) -> str:
    """The text beside the blocks (the notification, and what a client without blocks shows),
    whole up to Slack's limit, then cut by whole lines as a section is."""
    return _cut_lines(words, locale, MOST_TEXT) if len(words) > MOST_TEXT else words


def section(words: str) -> dict[str, Any]:
    """A section block of mrkdwn text."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": words}}


def _context(words: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": words}]}
