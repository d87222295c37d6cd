"""The command line's own words: --help screens, argparse's errors and --version, in both languages."""

from __future__ import annotations

import argparse
import gettext
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.doors.arguments import ARGPARSE, argparse_text, columns, parser, wrap
from bot.doors.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
LEAVES = ["db upgrade", "roster import", "stats import", "stats show", "jobs run morning", "jobs run month-end",
          "jobs run contact", "jobs run pull", "jobs status", "export month", "serve", "scheduler", "console", "demo"]
SCREENS = [[], ["db"], ["roster"], ["stats"], ["jobs"], ["jobs", "run"], ["export"], *(leaf.split() for leaf in LEAVES)]
ARGPARSE_ENGLISH = ["usage:", "positional arguments", "options:", "show this help", "error:", "required",
                    "invalid choice", "unrecognized", "expected", "argument"]
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def helped(kpibot):
    """helped(LOCALE, *ARGS): the command line in that language."""
    return lambda locale, *args: kpibot(*args, locale=locale)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: " ".join(s) or "kpibot")
def test_every_help_screen_in_english(helped, screen):
    code, out, err = helped("en", *screen, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"usage: {' '.join(['kpibot', *screen])} [-h]")
    assert "\noptions:\n  -h, --help" in out and "show this help message and exit" in out
    assert not HAN.search(out)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: " ".join(s) or "kpibot")
def test_every_help_screen_in_chinese_has_no_english_of_argparse(helped, screen):
    code, out, err = helped("zh-CN", *screen, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"用法：{' '.join(['kpibot', *screen])} [-h]")
    assert "\n选项：\n  -h, --help" in out and "显示本帮助并退出" in out
    assert [words for words in ARGPARSE_ENGLISH if words in out] == []
    described = out.split("\n\n")[1]
    assert HAN.search(described), described


def test_the_top_screen_lists_the_commands_under_chinese_titles(helped):
    out = helped("zh-CN", "--help")[1]
    assert "\n位置参数：\n  COMMAND\n    db        数据库\n" in out
    assert "  --version   显示 kpibot 的版本号并退出\n" in out


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_leaf_has_a_description_and_says_what_each_argument_does(locale):
    leaves = dict(_leaves(parser(locale)))
    assert sorted(leaves) == sorted(LEAVES) == sorted(COMMANDS)
    for name, leaf in leaves.items():
        assert leaf.description and "\n" not in leaf.description, name
        for action in leaf._actions:
            assert action.help, (name, action.dest)
            if action.option_strings and action.dest != "help":
                assert re.search(r"\(default: |（默认：|\(required\)|必填", action.help), (name, action.dest)


def _leaves(node: argparse.ArgumentParser, path: str = ""):
    subcommands = [a for a in node._actions if isinstance(a, argparse._SubParsersAction)]
    if not subcommands:
        yield path, node
    for action in subcommands:
        for name, child in action.choices.items():
            yield from _leaves(child, f"{path} {name}".strip())


def test_a_leafs_help_in_chinese_says_what_its_options_do_and_their_defaults(helped):
    assert helped("zh-CN", "stats", "import", "--help")[1] == (
        "用法：kpibot stats import [-h] [--format {daily,cdr}] FILE\n"
        "\n"
        "从 CSV 或 XLSX 文件导入每日数据或通话明细；重复导入同一文件不会重复计算。\n"
        "\n"
        "位置参数：\n"
        "  FILE                  数据文件（CSV 或 XLSX）\n"
        "\n"
        "选项：\n"
        "  -h, --help            显示本帮助并退出\n"
        "  --format {daily,cdr}  daily：每人每天一行；cdr：每通电话一行（默认：daily）\n")


def test_a_leafs_help_in_english_is_argparses_english(helped):
    assert helped("en", "jobs", "run", "morning", "--help")[1] == (
        "usage: kpibot jobs run morning [-h] [--date YYYY-MM-DD] [--force]\n"
        "\n"
        "Send the morning round now: each agent's progress on the working day before,\n"
        "and each lead's digest; held until that day's numbers have come; nothing\n"
        "already sent is sent again.\n"
        "\n"
        "options:\n"
        "  -h, --help         show this help message and exit\n"
        "  --date YYYY-MM-DD  the morning of this day (default: today)\n"
        "  --force            send even on a day that is not a working day, or before\n"
        "                     the call-center system has sent the reported day's\n"
        "                     numbers (default: working days with numbers only)\n")


@pytest.mark.parametrize("args, english, chinese", [
    ([], "kpibot: error: the following arguments are required: COMMAND",
     "kpibot：错误：缺少必需的参数：COMMAND"),
    (["stats", "show"], "kpibot stats show: error: the following arguments are required: EMPLOYEE_ID",
     "kpibot stats show：错误：缺少必需的参数：EMPLOYEE_ID"),
    (["stats", "import", "f.csv", "--format", "xml"],
     "kpibot stats import: error: argument --format: invalid choice: 'xml' (choose from 'daily', 'cdr')",
     "kpibot stats import：错误：参数 --format：无效的选择：“xml”（可选：'daily', 'cdr'）"),
    (["jobs", "run", "morning", "--date"], "kpibot jobs run morning: error: argument --date: expected one argument",
     "kpibot jobs run morning：错误：参数 --date：需要一个值"),
    (["jobs", "run", "morning", "--force=yes"],
     "kpibot jobs run morning: error: argument --force: ignored explicit argument 'yes'",
     "kpibot jobs run morning：错误：参数 --force：此选项不接受值：“yes”"),
    (["demo", "--d", "x"], "kpibot demo: error: ambiguous option: --d could match --db, --date",
     "kpibot demo：错误：选项不明确：--d 可以是 --db, --date"),
    (["jobs", "status", "now"], "kpibot: error: unrecognized arguments: now", "kpibot：错误：无法识别的参数：now"),
], ids=["no-command", "missing", "choice", "no-value", "value-given", "ambiguous", "unrecognized"])
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_usage_error_is_the_usage_and_one_line_in_the_readers_language(helped, args, english, chinese, locale):
    code, out, err = helped(locale, *args)
    usage, line = err.splitlines()
    assert (code, out) == (2, "")
    assert usage.startswith("usage: kpibot" if locale == "en" else "用法：kpibot")
    assert line == (english if locale == "en" else chinese)


def test_argparse_speaks_english_again_after_a_chinese_command_line(helped):
    helped("zh-CN", "stats", "show")
    assert argparse._ is gettext.gettext
    with pytest.raises(SystemExit):
        argparse.ArgumentParser(prog="other").parse_args(["--nope"])


@pytest.mark.parametrize("message", sorted(ARGPARSE))
def test_the_english_catalogue_words_argparse_as_argparse_does(message):
    values = {name: f"<{name}>" for name in re.findall(r"%\((\w+)\)[sr]", message)}
    filled = (lambda words: words % values) if values else (lambda words: words % "<x>" if "%" in words else words)
    assert filled(argparse_text("en", message)) == filled(message)


def test_version_is_the_installed_packages(helped):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert version("kpibot") == project["version"]
    for locale in ("en", "zh-CN"):
        assert helped(locale, "--version") == (0, f"kpibot {project['version']}\n", "")


@pytest.mark.parametrize("width", [20, 33, 54])
def test_chinese_help_wraps_by_terminal_columns_and_never_before_a_closing_mark(width):
    words = "运行机器人：在 PORT 端口通过 HTTP（或设置 SLACK_APP_TOKEN 使用 Socket Mode）接入 Slack，提供 /healthz 和 /metrics。"
    lines = wrap(words, width)
    assert all(columns(line) <= width for line in lines)
    assert not any(line[0] in "，。、：；）”" or line[-1] in "（“" for line in lines)
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", words)
