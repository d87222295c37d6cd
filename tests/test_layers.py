"""The layers point one way: bot -> messages -> scoring; scoring uses the standard library only."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(package: str) -> set[tuple[str, str]]:
    """(file name, top-level module) of every absolute import in `package`."""
    return {found for path in (ROOT / package).rglob("*.py") for found in _imports(path)}


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


def test_only_the_slack_door_and_its_renderer_speak_to_slack():
    """slack_sdk and slack_bolt are imported in bot/doors/slack/ and messages/slack.py alone."""
    speaking = set()
    for package in ("bot", "messages", "scoring"):
        for path in (ROOT / package).rglob("*.py"):
            modules = {m for _, m in _imports(path)}
            if modules & {"slack_sdk", "slack_bolt"}:
                speaking.add(str(path.relative_to(ROOT)))
    assert speaking and all(p.startswith("bot/doors/slack/") or p == "messages/slack.py" for p in speaking), speaking


@pytest.mark.parametrize("room", ["config", "store", "sources", "usecases", "outbox", "rounds"])
def test_the_rooms_below_the_doors_never_reach_up_into_them(room):
    """Doors call use cases, rounds and the outbox; nothing there knows which door asked."""
    found = {(path.name, module) for path in (ROOT / "bot" / room).rglob("*.py")
             for _, module in _imports(path, whole=True) if module.startswith("bot.doors")}
    assert found == set()


def _imports(path: Path, whole: bool = False) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
        found |= {(path.name, name if whole else name.split(".")[0]) for name in names}
    return found
