"""Messages: whole rendered texts against golden files, in both languages, and complete catalogues.

Set KPIBOT_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change, then read the diff.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest

import scenario
from bot.usecases.days import nudges, team_digests
from bot.usecases.standings import month_standings
from bot.store.models import StatsPull
from bot.usecases.mystats import stats_view
from messages.formats import bar, number, pct, signed, vocabulary
from messages.render import catalog, render, text
from messages.slack import blocks
from scoring.calendar import Month

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
LOCALES = ("en", "zh-CN")


def golden(name: str, rendered: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("KPIBOT_UPDATE_GOLDEN"):
        path.write_text(rendered, "utf-8")
    assert rendered == path.read_text("utf-8")


@pytest.fixture
def people(session):
    return scenario.build(session)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("who", ["wang", "zhao"])
def test_stats(session, center, people, who, locale):
    view = stats_view(session=session, center=center, agent=people[who], day=date(2026, 11, 4))
    golden(f"stats.{who}.{locale}", render("stats", locale, v=view, policy=center.policy))


def pulled(session, at: datetime, error: str | None = None) -> None:
    session.add(StatsPull(name="2026-11-04.csv", sha256="" if error else "0" * 64, pulled_at=at, error=error))
    session.commit()


def today_of(session, center, agent, day: date):
    """/mystats on `day`, asked that day."""
    return stats_view(session=session, center=center, agent=agent, day=day, today=day)


FOUR_PAST_THREE = datetime(2026, 11, 4, 7, 2, tzinfo=UTC)  # Wed 4 Nov, 15:02 in Shanghai


@pytest.mark.parametrize("locale", LOCALES)
def test_stats_of_today_say_when_the_numbers_were_pulled(session, center, people, locale):
    pulled(session, FOUR_PAST_THREE)
    pulled(session, datetime(2026, 11, 4, 7, 30, tzinfo=UTC), error="HTTP Error 502")  # a failed pull counts not
    view = today_of(session, center, people["wang"], date(2026, 11, 4))
    golden(f"stats.wang.today.{locale}", render("stats", locale, v=view, policy=center.policy))
    shown = blocks("stats", locale, v=view, policy=center.policy)
    golden(f"stats.wang.today.blocks.{locale}", json.dumps(shown, ensure_ascii=False, indent=1) + "\n")


@pytest.mark.parametrize("at, day, en, zh", [
    (FOUR_PAST_THREE, date(2026, 11, 4), "Numbers as of 15:02 today.", "数据更新于今天 15:02。"),
    (datetime(2026, 11, 3, 16, 30, tzinfo=UTC), date(2026, 11, 4),  # 00:30 on the 4th in Shanghai
     "Numbers as of 00:30 today.", "数据更新于今天 00:30。"),
    (datetime(2026, 11, 3, 13, 0, tzinfo=UTC), date(2026, 11, 4), "Numbers as of 21:00 yesterday.",
     "数据更新于昨天 21:00。"),
    (datetime(2026, 10, 30, 13, 0, tzinfo=UTC), date(2026, 11, 2),  # Monday morning, before its first pull
     "Numbers as of 21:00 on Fri 30 Oct.", "数据更新于10月30日 周五 21:00。"),
])
def test_the_as_of_line_in_the_centers_time_zone(session, center, people, at, day, en, zh):
    pulled(session, at)
    view = today_of(session, center, people["wang"], day)
    assert [render("stats", locale, v=view, policy=center.policy).splitlines()[1] for locale in LOCALES] == [en, zh]


def test_no_as_of_line_before_the_first_pull(session, center, people):
    view = today_of(session, center, people["wang"], date(2026, 11, 4))
    assert view.as_of is None
    assert render("stats", "en", v=view, policy=center.policy).splitlines()[1] == ""


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("who", ["A001", "A003"])
def test_morning_nudge(session, center, people, who, locale):
    round_ = nudges(session=session, center=center, today=date(2026, 11, 5))
    golden(f"nudge.{who}.{locale}", render("morning_nudge", locale, n=round_[who]))


@pytest.mark.parametrize("locale", LOCALES)
def test_lead_digest(session, center, people, locale):
    round_ = nudges(session=session, center=center, today=date(2026, 11, 5))
    digests = team_digests(session=session, lead=people["lead"], day=date(2026, 11, 4), days=round_)
    golden(f"digest.{locale}", "".join(render("lead_digest", locale, d=d) for d in digests))


@pytest.mark.parametrize("locale", LOCALES)
def test_leaderboard(session, center, people, locale):
    board = month_standings(session=session, center=center, month=Month(2026, 11),
                            through=date(2026, 11, 4))
    golden(f"leaderboard.{locale}", render("leaderboard", locale, b=board, places=board.places))


@pytest.mark.parametrize("value, shown", [(1320, "1,320"), (0, "0"), (1234567, "1,234,567"), (12.5, "12.5")])
def test_numbers_look_the_same_everywhere(value, shown):
    assert number(value) == shown


@pytest.mark.parametrize("ratio, shown", [(Fraction(7, 8), "87.5%"), (Fraction(1, 3), "33.3%"),
                                          (Fraction(2, 3), "66.7%"), (Fraction(11, 10), "110.0%"),
                                          (Fraction(1, 2000), "0.1%"), (0, "0.0%")])
def test_percentages_round_half_up_to_one_decimal(ratio, shown):
    assert pct(ratio) == shown


@pytest.mark.parametrize("ratio, shown", [(0, "░░░░░░░░░░"), (Fraction(62, 100), "██████░░░░"),
                                          (Fraction(99, 100), "█████████░"), (1, "██████████"),
                                          (Fraction(3, 2), "██████████")])
def test_bars_fill_by_whole_tenths_and_stop_at_full(ratio, shown):
    assert bar(ratio) == shown


def test_signed_points():
    assert (signed(2), signed(-3), signed(0)) == ("+2", "-3", "0")


# --- the catalogues are complete ----------------------------------------------------------

FIELD = re.compile(r"(?<!\{)\{(\w+)(?:![rs])?\}")


def test_both_catalogues_have_the_same_keys():
    assert set(catalog("en")) == set(catalog("zh-CN"))


@pytest.mark.parametrize("key", sorted(k for k in catalog("en") if not k.startswith("date.")))
def test_both_languages_fill_the_same_fields(key):
    en, zh = catalog("en")[key], catalog("zh-CN")[key]
    assert set(FIELD.findall(str(en))) == set(FIELD.findall(str(zh)))


def _sources(*packages: str) -> str:
    return "\n".join(p.read_text("utf-8") for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def _used_keys() -> set[str]:
    templates = "\n".join(p.read_text("utf-8") for p in (ROOT / "messages" / "templates").glob("*.j2"))
    code = _sources("bot", "scoring")
    keys = set(re.findall(r'\bt\(\s*"([\w.]+)"(?!\s*~)', templates))  # not keys composed with ~
    keys |= set(re.findall(r'\btext\([^,)]+,\s*"([\w.]+)"', code))
    keys |= set(re.findall(r'(?:Problem|Error)\(\s*"(\w+\.[\w.]+)"', code))
    keys |= {f"import.reason.{c}" for c in re.findall(r'(?:reject\(line,|CellError\()\s*"(\w+)"', code)}
    keys |= {f"policy.{c}" for c in re.findall(r'PolicyError\(source, [^,]+, "(\w+)"', code)}
    keys |= {f"help.{c}" for c in re.findall(r'say\("(\w+)"\)', code)}
    return {k for k in keys if not k.endswith(".")}


def test_every_key_the_code_uses_is_in_the_catalogue():
    used = _used_keys()
    assert len(used) > 90  # the scan itself works
    assert used - set(catalog("en")) == set()


def test_every_policy_reason_is_in_the_catalogue():
    calls = re.findall(r"raise _Invalid\((.*)\)", _sources("scoring"))
    assert len(calls) > 15
    for call in calls:
        codes = {f"policy.{c}" for c in re.findall(r'"(\w+)"', call)}
        assert codes & set(catalog("en")), call


# --- Chinese that reads as Chinese ---------------------------------------------------------

PERSON_FIELDS = r"\{(?:name|author|names|team|contacts)\}"
HAN = r"[\u4e00-\u9fff]"


@pytest.mark.parametrize("key", sorted(k for k, v in catalog("zh-CN").items() if isinstance(v, str)))
def test_chinese_puts_names_against_the_words_and_shows_values_in_chinese_quotes(key):
    line = catalog("zh-CN")[key]
    assert not re.search(f"{HAN} {PERSON_FIELDS}|{PERSON_FIELDS} {HAN}", line)
    assert "!r}" not in line and "'" not in line


def test_a_points_notice_in_chinese_reads_as_one_sentence(policy):
    entry = SimpleNamespace(id=7, points=-2, code="late", reason=None)
    recorded = SimpleNamespace(entry=entry, author=SimpleNamespace(name="许晨"), score=97, pending=False)
    assert render("points_notice", "zh-CN", r=recorded, policy=policy) == ("许晨扣了你 2 分：迟到。你的本月得分：97。\n"
                                                                         "如需申诉，请输入：申诉 7 你的理由\n")


@pytest.mark.parametrize("key, fields, shown", [
    ("demo.nudge", {"name": "王芳", "employee_id": "A001", "day": "2026-11-05"}, "发给王芳（A001）的早间消息，2026-11-05"),
    ("demo.digest", {"name": "许晨"}, "发给班长许晨的早间汇总"),
    ("command.refused_not_your_team", {"name": "李娜"}, "李娜不在你负责的班组。"),
    ("command.bad_period", {"value": "tomorrow"}, "“tomorrow”不是日期或月份：请用今天、昨天、本月、YYYY-MM-DD 或 YYYY-MM。"),
    ("import.reason.not_date", {"column": "入职日期", "value": "soon"}, "入职日期“soon”不是日期（请用 YYYY-MM-DD）"),
    ("usage.mystats", {}, "用法：/mystats [今天 | 昨天 | 本月 | YYYY-MM-DD | YYYY-MM]"),
])
def test_chinese_lines(key, fields, shown):
    assert text("zh-CN", key, **fields) == shown


@pytest.mark.parametrize("locale, shown", [("en", "A1, A2 …and 41 more"), ("zh-CN", "A1、A2……另有 41 个")])
def test_a_long_list_of_names_ends_with_how_many_more(locale, shown):
    names = vocabulary(catalog(locale))[0]["names"]
    assert names([f"A{n}" for n in range(1, 44)], most=2) == shown
