"""The layers point one way: bot -> messages -> scoring; scoring uses the standard library only."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(path.name, alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add((path.name, node.module.split(".")[0]))
    return found


def test_scoring_imports_only_the_standard_library_and_itself():
    outside = {(f, m) for f, m in imports_of("scoring")
               if m != "scoring" and m not in sys.stdlib_module_names}
    assert outside == set()


@pytest.mark.parametrize("forbidden", ["bot", "sqlmodel", "sqlalchemy", "slack_bolt", "slack_sdk"])
def test_messages_does_not_reach_into_the_world(forbidden):
    assert {f for f, m in imports_of("messages") if m == forbidden} == set()


def test_scoring_never_reads_the_clock():
    text = "\n".join(p.read_text("utf-8") for p in (ROOT / "scoring").rglob("*.py"))
    for call in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time("):
        assert call not in text
