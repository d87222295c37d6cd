"""The kpibot command line's words: its commands, options and help, and argparse's own text,
all from the catalogue of the reader's language.

argparse words its own text (the "usage:" prefix, the section titles, -h's help, its errors) in
English, through the gettext `_` of its module, looked up each time it is called. `argparse_words`
puts the catalogue's words in its place while the parser is built and used, then puts it back.
That changes argparse for the whole process: fine for a command line, parsed once at start.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import version

from messages.render import text
from scoring.policy import LOCALES

# argparse's English (as of Python 3.11), the catalogue key that words it, and the name of the
# field that stands for its one unnamed %s or %r. Text not listed here stays argparse's English:
# it only tells a programmer that the parser itself is wrong.
ARGPARSE = {
    "usage: ": ("usage", None),
    "positional arguments": ("positionals", None),
    "options": ("options", None),
    "show this help message and exit": ("help", None),
    "%(prog)s: error: %(message)s\n": ("error", None),
    "argument %(argument_name)s: %(message)s": ("argument", None),
    "the following arguments are required: %s": ("required", "arguments"),
    "unrecognized arguments: %s": ("unrecognized", "arguments"),
    "invalid choice: %(value)r (choose from %(choices)s)": ("invalid_choice", None),
    "expected one argument": ("expected_one", None),
    "ambiguous option: %(option)s could match %(matches)s": ("ambiguous", None),
    "ignored explicit argument %r": ("ignored_explicit", "value"),
    "%(heading)s:": ("heading", None),  # Python 3.13 on; HelpFormatter asks for it before
}
Say = Callable[[str], str]  # a help.* line of the catalogue, by its key
NAMED = re.compile(r"%\((\w+)\)[sr]")
HEADING = re.compile(r"^(\S.*):$", re.MULTILINE)
# A wrapped line may break at a space or between two Chinese characters, but never just before
# a closing mark (，。）…) or just after an opening one (（“).
WIDE = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
OPENING, CLOSING = "（“‘《「", "，。、：；！？）”’》」…"
WORD = re.compile(f"[{OPENING}]*(?:[^\\s{WIDE}]+|[{WIDE}])[{CLOSING}]*")


def parse(argv: Sequence[str] | None, locale: str) -> argparse.Namespace:
    """The command line read, or SystemExit once argparse has printed help, the version or an error."""
    with argparse_words(locale):
        return parser(locale).parse_args(argv)


@contextmanager
def argparse_words(locale: str) -> Iterator[None]:
    """While the block runs, argparse's own text comes from `locale`'s catalogue."""
    english = argparse._
    argparse._ = lambda message: argparse_text(locale, message, english)
    try:
        yield
    finally:
        argparse._ = english


def argparse_text(locale: str, message: str, english=lambda message: message) -> str:
    """One of argparse's texts in `locale`. The catalogue's {fields} are filled with argparse's
    own %-placeholders, so that argparse fills in the values as it does in its English."""
    if message not in ARGPARSE:
        return english(message)
    key, unnamed = ARGPARSE[message]
    fields = {name: f"%({name})s" for name in NAMED.findall(message)}
    if unnamed:
        fields[unnamed] = "%s"
    return text(locale, f"argparse.{key}", **fields)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help, with two things it cannot do for Chinese: a section title's colon from
    the catalogue (before Python 3.13 argparse appends an ASCII one of its own), and lines
    wrapped by the columns they take in a terminal, where a Chinese character takes two."""

    def format_help(self) -> str:
        return HEADING.sub(lambda title: argparse._("%(heading)s:") % {"heading": title[1]},
                           super().format_help())

    def _split_lines(self, text: str, width: int) -> list[str]:
        if not re.search(f"[{WIDE}]", text):
            return super()._split_lines(text, width)
        return wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if not re.search(f"[{WIDE}]", text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in wrap(" ".join(text.split()), width - len(indent)))


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines at most `width` terminal columns wide (a longer word has a line of its own)."""
    lines, line = [], ""
    for found in WORD.finditer(text):
        word = found[0]
        joined = line + (" " if line and text[found.start() - 1] == " " else "") + word
        if line and columns(joined) > width:
            lines.append(line)
            joined = word
        line = joined
    return [*lines, line] if line else lines


def columns(text: str) -> int:
    """How many terminal columns `text` takes: two for a wide (Chinese) character, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def parser(locale: str) -> argparse.ArgumentParser:
    """kpibot's commands; each leaf sets `leaf` to its name, say "stats show"."""
    say = lambda key: text(locale, f"help.{key}")  # noqa: E731
    top = argparse.ArgumentParser(prog="kpibot", description=say("kpibot"), formatter_class=HelpFormatter)
    top.add_argument("--version", action="version", version=f"kpibot {version('kpibot')}", help=say("version"))
    commands = top.add_subparsers(required=True, metavar="COMMAND")
    for add in (_db_and_roster, _stats, _jobs, _export, _processes):
        add(commands, say)
    return top


def _db_and_roster(commands, say: Say) -> None:
    _leaf(_group(commands, "db", say("db")), "db upgrade", say, "db_upgrade")
    roster_import = _leaf(_group(commands, "roster", say("roster")), "roster import", say, "roster_import")
    roster_import.add_argument("file", metavar="FILE", help=say("roster_file"))


def _stats(commands, say: Say) -> None:
    stats = _group(commands, "stats", say("stats"))
    stats_import = _leaf(stats, "stats import", say, "stats_import")
    stats_import.add_argument("file", metavar="FILE", help=say("stats_file"))
    stats_import.add_argument("--format", choices=("daily", "cdr"), default="daily", help=say("format"))
    show = _leaf(stats, "stats show", say, "stats_show")
    show.add_argument("employee_id", metavar="EMPLOYEE_ID", help=say("employee_id"))
    show.add_argument("--date", metavar="DAY", help=say("date"))
    show.add_argument("--locale", choices=LOCALES, help=say("locale"))


def _jobs(commands, say: Say) -> None:
    jobs = _group(commands, "jobs", say("jobs"))
    run = _group(jobs, "run", say("jobs_run"), metavar="JOB")
    morning = _leaf(run, "jobs run morning", say, "morning")
    morning.add_argument("--date", metavar="YYYY-MM-DD", help=say("morning_date"))
    morning.add_argument("--force", action="store_true", help=say("force"))
    month_end = _leaf(run, "jobs run month-end", say, "month_end")
    month_end.add_argument("--month", metavar="YYYY-MM", help=say("month_end_month"))
    contact = _leaf(run, "jobs run contact", say, "contact")
    contact.add_argument("--week", metavar="YYYY-Www", help=say("contact_week"))
    contact.add_argument("--force", action="store_true", help=say("contact_force"))
    _leaf(run, "jobs run pull", say, "pull")
    _leaf(jobs, "jobs status", say, "status")


def _export(commands, say: Say) -> None:
    month = _leaf(_group(commands, "export", say("export")), "export month", say, "export_month")
    month.add_argument("month", metavar="YYYY-MM", help=say("export_month_month"))
    month.add_argument("--format", choices=("csv", "xlsx"), default="csv", help=say("export_format"))
    month.add_argument("--locale", choices=LOCALES, help=say("export_locale"))
    month.add_argument("--output", metavar="FILE", help=say("export_output"))


def _processes(commands, say: Say) -> None:
    _leaf(commands, "scheduler", say, "scheduler")
    serve = _leaf(commands, "serve", say, "serve")
    serve.add_argument("--no-scheduler", action="store_true", help=say("no_scheduler"))
    console = _leaf(commands, "console", say, "console")
    console.add_argument("--as", dest="employee_id", required=True, metavar="EMPLOYEE_ID", help=say("console_as"))
    demo = _leaf(commands, "demo", say, "demo")
    demo.add_argument("--db", default="kpibot-demo.db", metavar="PATH", help=say("demo_db"))
    demo.add_argument("--date", metavar="YYYY-MM-DD", help=say("demo_date"))


def _group(commands, name: str, about: str, metavar: str = "ACTION"):
    """A command that holds others, such as `kpibot jobs`."""
    group = commands.add_parser(name, help=about, description=about, formatter_class=HelpFormatter)
    return group.add_subparsers(required=True, metavar=metavar)


def _leaf(commands, path: str, say: Say, key: str) -> argparse.ArgumentParser:
    """A command that runs, such as `kpibot stats show`: help.KEY in the list of commands,
    help.KEY_about atop its own help."""
    leaf = commands.add_parser(path.split()[-1], help=say(key), description=say(f"{key}_about"),
                               formatter_class=HelpFormatter)
    leaf.set_defaults(leaf=path)
    return leaf
