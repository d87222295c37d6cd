"""Render a message: a jinja2 template whose words come from the locale's catalogue."""

from __future__ import annotations

import json
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from messages import formats
from scoring.policy import LOCALES
from scoring.problems import Problem


class MessageError(LookupError):
    """A missing catalogue key or template: a bug, never the user's fault."""


@cache
def catalog(locale: str) -> dict[str, Any]:
    """The flat catalogue of `locale`: dotted keys to strings (or lists of strings)."""
    if locale not in LOCALES:
        raise MessageError(f"no catalogue for locale {locale!r}")
    data = tomllib.loads((resources.files("messages") / "locales" / f"{locale}.toml").read_text("utf-8"))
    return dict(_flatten(data))


def _flatten(data: dict[str, Any], prefix: str = ""):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def text(locale: str, key: str, /, **fields: Any) -> str:
    """One catalogue line with its {fields} filled in."""
    try:
        return catalog(locale)[key].format(**fields)
    except KeyError as missing:
        raise MessageError(f"{locale}: {key}: missing {missing}") from None


def describe(problem: Problem, locale: str, /, prefix: str = "") -> str:
    """A problem in words: the catalogue line `prefix + problem.code` with its fields."""
    return text(locale, prefix + problem.code, **problem.fields)


def stored_problem(kept: str | None, locale: str, fallback: str | None = None) -> str | None:
    """A problem kept as JSON ({"code", "fields"}) in words; `fallback` when none was kept."""
    if not kept:
        return fallback
    found = json.loads(kept)
    return describe(Problem(found["code"], **found["fields"]), locale)


def render(name: str, locale: str, /, fmt: str = "txt", **context: Any) -> str:
    """The template `name` in `fmt` (txt for plain text), in `locale`."""
    return _template(name, fmt, locale).render(**context).strip("\n") + "\n"


@cache
def _template(name: str, fmt: str, locale: str) -> Template:
    """A template, compiled once: a round renders it for thousands of people."""
    return _environment(locale).get_template(f"{name}.{fmt}.j2")


class _Environment(Environment):
    def make_globals(self, d: dict[str, Any] | None) -> dict[str, Any]:
        """A template's globals as one plain dict, not Jinja's chain over the environment's: each
        render copies them, and a round renders thousands of messages. The environment's globals
        are all set before the first template is loaded, and never changed after."""
        return {**self.globals, **(d or {})}


@cache
def _environment(locale: str) -> Environment:
    env = _Environment(
        loader=PackageLoader("messages", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        auto_reload=False,  # the templates are the package's own files: they change only with it
    )
    filters, helpers = formats.vocabulary(catalog(locale))
    env.filters.update(filters)
    # has_buttons: the reader presses a button (Slack) rather than typing the command a message names
    env.globals.update(helpers, t=lambda key, **fields: text(locale, key, **fields), locale=locale, has_buttons=False)
    env.filters["describe"] = lambda problem, prefix="": describe(problem, locale, prefix)
    env.filters["stored"] = lambda kept, fallback=None: stored_problem(kept, locale, fallback)
    return env
