"""Messages as WeCom shows them: whole markdown against golden files in both languages, nothing
WeCom would read as markup, and app messages cut to 2,048 bytes by whole lines.

Set KPIBOT_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change, then read the diff.
"""

from __future__ import annotations

from datetime import date

import pytest

import scenario
from bot.usecases.days import nudges, team_digests
from bot.usecases.mystats import stats_view
from bot.usecases.standings import month_standings
from messages.render import render
from messages.wecom import cut_bytes, fit, markdown, plain, size
from scoring.calendar import Month
from test_messages import FOUR_PAST_THREE, LOCALES, golden, pulled, today_of
from wecom_fixtures import long_board

NBSP = "\u00a0"


@pytest.fixture
def people(session):
    return scenario.build(session)


@pytest.mark.parametrize("locale", LOCALES)
def test_stats(session, center, people, locale):
    view = stats_view(session=session, center=center, agent=people["wang"], day=date(2026, 11, 4))
    golden(f"wecom.stats.wang.{locale}", markdown(render("stats", locale, v=view, policy=center.policy)) + "\n")


@pytest.mark.parametrize("locale", LOCALES)
def test_stats_of_today_say_when_the_numbers_were_pulled(session, center, people, locale):
    pulled(session, FOUR_PAST_THREE)
    view = today_of(session, center, people["wang"], date(2026, 11, 4))
    golden(f"wecom.stats.wang.today.{locale}", markdown(render("stats", locale, v=view, policy=center.policy)) + "\n")


@pytest.mark.parametrize("locale", LOCALES)
def test_morning_nudge_and_lead_digest(session, center, people, locale):
    round_ = nudges(session=session, center=center, today=date(2026, 11, 5))
    digests = team_digests(session=session, lead=people["lead"], day=date(2026, 11, 4), days=round_)
    said = [markdown(render("morning_nudge", locale, n=round_["A001"]))]
    said += [markdown(render("lead_digest", locale, d=d)) for d in digests]
    golden(f"wecom.morning.{locale}", "\n----\n".join(said) + "\n")


@pytest.mark.parametrize("locale", LOCALES)
def test_leaderboard(session, center, people, locale):
    board = month_standings(session=session, center=center, month=Month(2026, 11), through=date(2026, 11, 4))
    golden(f"wecom.leaderboard.{locale}", markdown(render("leaderboard", locale, b=board, places=board.places)) + "\n")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_long_board_is_cut_to_2048_bytes_and_says_how_many_lines_more(locale):
    cut = fit(markdown(render("leaderboard_post", locale, **long_board(120))), locale)
    assert size(cut) <= 2048
    golden(f"wecom.board_cut.{locale}", cut + "\n")


@pytest.mark.parametrize("given, shown", [
    ("Heading\nplain", "**Heading**\nplain"),
    ("2 *stars* and `ticks`", "**2 ＊stars＊ and ｀ticks｀**"),
    ("x\n[link](http://x) <font color=\"info\">", "**x**\n［link］(http://x) ＜font color=\"info\">"),
    ("x\n# not a heading\n> not a quote\na > b # c", "**x**\n＃ not a heading\n＞ not a quote\na > b # c"),
    ("x\n  indented\n 1. ranked", f"**x**\n{NBSP * 2}indented\n{NBSP}1. ranked"),
    ("\n\nWang Fang，早上好！\n\n", "**Wang Fang，早上好！**"),
    ("", ""),
])
def test_markdown_bolds_the_first_line_and_shows_markup_characters_as_themselves(given, shown):
    assert markdown(given) == shown


def test_plain_text_is_the_text_as_written():
    assert plain("Hello *you*\n  <b>\n") == "Hello *you*\n  <b>"


def test_a_message_that_fits_is_left_whole():
    whole = "王芳\n" * 100
    assert fit(whole, "zh-CN") == whole


@pytest.mark.parametrize("locale, more", [("en", "…and 1 more"), ("zh-CN", "……另有 1 条")])
def test_a_first_line_too_long_alone_is_cut_at_a_character(locale, more):
    cut = fit("王" * 1000 + "\nsecond line", locale)
    first, last = cut.split("\n")
    assert last == more and first.endswith("…") and set(first[:-1]) == {"王"}
    assert size(cut) <= 2048 and size(cut) > 2048 - 3


def test_bytes_are_cut_at_a_character_never_inside_one():
    assert cut_bytes("王芳ab", 5) == "王" and cut_bytes("王芳ab", 6) == "王芳" and cut_bytes("王芳ab", 7) == "王芳a"
