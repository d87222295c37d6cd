"""Malformed /deduct and /award texts, sent by a team lead over real HTTP as signed slash
commands: never a 5xx, and a ledger row exactly when the text is a valid command for an agent on
the lead's team.

The expectation comes from a small oracle written from the grammar in bot/usecases/requests.py's
docstring and the seeds policy, not from the parser:

    /deduct @agent POINTS REASON...   or   /deduct @agent CODE [NOTE...]
    /award  @agent POINTS REASON...   or   /award  @agent CODE [NOTE...]

- words are separated by whitespace; REASON/NOTE is the rest of the text, trimmed;
- @agent is a Slack mention `<@U123>` or `<@U123|name>` (U or W, then capitals and digits)
  or an employee ID, exactly as in the roster;
- POINTS is a whole number from 1 to score.max_points_per_entry (20), optionally with a plus
  sign, and needs a reason; its digits are decimal digits of any script (Python reads the
  full-width ３ and the Arabic-Indic ٣ as 3, and a Chinese input method types the former);
- CODE is a catalogue code of that kind (deductions for /deduct, awards for /award), in any
  letter case; its points are the catalogue's; the note may be empty;
- a note is at most 300 characters;
- a lead acts only on agents of the teams they lead, never on themselves.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.store.models import Agent, LedgerEntry
from factories import add_agent
from slack_fixtures import serving

LEAD = "U100"
MAX_POINTS = 20  # score.max_points_per_entry in the seeds policy
MOST_NOTE = 300
ROSTER = {"L01": "Xu Chen", "A001": "Wang Fang", "A002": "Li Na", "A003": "Zhao Lei"}
SLACK_IDS = {"U100": "L01", "U001": "A001", "U003": "A003"}
LEADS_TEAM = {"A001", "A002"}  # L01 leads Team 1; A003 is on Team 2; L01 is L01
CODES = {
    "deduct": {"chat": 2, "snack": 1, "desk": 1, "outsider": 3, "noise": 2, "refusal": 5, "swap": 1,
               "missed": 10, "phone": 1, "handover": 2, "security": 5, "shoes": 1, "bedding": 1, "late": 2,
               "early": 3, "phrase": 2, "contact1": 1, "contact2": 2, "contact3": 3, "absence": 10},
    "award": {"contest": 5, "skills": 2, "province": 3, "media": 10, "call": 1, "letter": 2, "article": 1,
              "newsletter": 2, "test81": 5, "test90": 15, "test95": 20},
}
USAGE = {"deduct": "Usage: /deduct @agent POINTS REASON…  or  /deduct @agent CODE [NOTE…]",
         "award": "Usage: /award @agent POINTS REASON…  or  /award @agent CODE [NOTE…]"}


# --- the oracle -----------------------------------------------------------------------------

SHAPE = re.compile(r"\s*(\S+)\s+(\S+)(?:\s+(.*?))?\s*", re.DOTALL)
REST = re.compile(r"\s*\S+\s+(.*?)\s*", re.DOTALL)  # what follows the agent
SEPARATORS = "[\\s,，:：;；、]"  # between a code and its note
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def whole_number(word: str) -> int | None:
    """The value of `word` when it is an optional + then decimal digits, else None."""
    digits = word[1:] if word.startswith("+") else word
    if not digits or not all(unicodedata.category(c) == "Nd" for c in digits):
        return None
    value = 0
    for c in digits:
        value = value * 10 + unicodedata.decimal(c)
    return value


def named(word: str) -> str | None:
    """The employee ID of the roster row `word` names, or None."""
    mention = MENTION.fullmatch(word)
    if mention:
        return SLACK_IDS.get(mention.group(1))
    if word in ROSTER:
        return word
    # an employee ID in another case (a001); as SQL's lower() does, in ASCII only
    return next((e for e in ROSTER if word.isascii() and e.lower() == word.lower()), None)


def as_typed(text: str) -> str:
    """What the lead typed: Slack escapes &, < and > outside mentions; a mention's label (which
    may hold spaces and escaped brackets) names nobody; a NUL character is no part of it."""
    text = re.sub(r"<@([UW][A-Z0-9]+)\|[^>]*>", r"<@\1>", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\x00", "")


def expected_entry(kind: str, text: str) -> tuple[str, int, str | None, str] | None:
    """(employee ID, signed points, code, reason) of the row the command writes, or None."""
    shape = SHAPE.fullmatch(as_typed(text))
    if shape is None:
        return None
    who, what, note = shape.group(1), shape.group(2), (shape.group(3) or "")
    employee = named(who)
    if employee not in LEADS_TEAM or len(note) > MOST_NOTE:
        return None
    sign = -1 if kind == "deduct" else 1
    points = whole_number(what)
    if points is not None:
        return (employee, sign * points, None, note) if 1 <= points <= MAX_POINTS and note else None
    rest = REST.fullmatch(as_typed(text)).group(1)
    for code, value in CODES[kind].items():  # a code, then the end or a separator, then its note
        if rest[:len(code)].lower() == code and re.match(f"(?:{SEPARATORS}|$)", rest[len(code):]):
            note = re.sub(f"^{SEPARATORS}+", "", rest[len(code):])
            return (employee, sign * value, code, note) if len(note) <= MOST_NOTE else None
    return None


def test_the_oracle_on_texts_worked_out_by_hand():
    assert expected_entry("deduct", "<@U001> late") == ("A001", -2, "late", "")
    assert expected_entry("deduct", "  <@U001|wang>\tLATE  came at 9:20 \n") == ("A001", -2, "late", "came at 9:20")
    assert expected_entry("deduct", "<@U001|Wang Fang> chat ") == ("A001", -2, "chat", "")
    assert expected_entry("deduct", "<@U001> late, thanked by a caller ") == ("A001", -2, "late", "thanked by a caller")
    assert expected_entry("deduct", "<@U001> late：traffic") == ("A001", -2, "late", "traffic")
    assert expected_entry("deduct", "<@U001> lateness") is None
    assert expected_entry("deduct", "<@U001|a &lt;b&gt;> 2 Q&amp;A") == ("A001", -2, None, "Q&A")
    assert expected_entry("award", "A002 ３ helped a new hire") == ("A002", 3, None, "helped a new hire")
    assert expected_entry("award", "A002 +20 x") == ("A002", 20, None, "x")
    assert expected_entry("award", "A002 21 x") is None
    assert expected_entry("deduct", "A002 2") is None
    assert expected_entry("deduct", "A002 -2 late") is None
    assert expected_entry("deduct", "A002 1.5 late") is None
    assert expected_entry("award", "A001 late") is None  # a deduction code
    assert expected_entry("deduct", "A003 late") is None  # Team 2
    assert expected_entry("deduct", "<@U100> late") is None  # the lead himself
    assert expected_entry("deduct", "<@u001> late") is None
    assert expected_entry("deduct", "a001 1 thanked") == ("A001", -1, None, "thanked")
    assert expected_entry("deduct", "A001 late " + "x" * 300) == ("A001", -2, "late", "x" * 300)
    assert expected_entry("deduct", "A001 late " + "x" * 301) is None
    assert expected_entry("deduct", "A0\x0001 late a NUL\x00 here") == ("A001", -2, "late", "a NUL here")
    assert expected_entry("award", "A001 1 \x00") is None


# --- the running bot, one for the whole module ---------------------------------------------


def rows(bot) -> list[tuple[str, int, str | None, str]]:
    """Every ledger row: employee ID, points, code, reason."""
    with bot.session() as session:
        return [tuple(row) for row in session.exec(
            select(Agent.employee_id, LedgerEntry.points, LedgerEntry.code, LedgerEntry.reason)
            .join(Agent, Agent.id == LedgerEntry.agent_id).order_by(LedgerEntry.id)).all()]


@pytest.fixture(scope="module")
def lead_bot(module_database_url):
    with serving(module_database_url) as running:
        with running.session() as session:
            add_agent(session, "L01", name="Xu Chen", role="lead", slack_user_id="U100")
            add_agent(session, "A001", name="Wang Fang", slack_user_id="U001")
            add_agent(session, "A002", name="Li Na")
            add_agent(session, "A003", name="Zhao Lei", team="Team 2", slack_user_id="U003")
        yield running


# --- the texts ------------------------------------------------------------------------------

AGENTS = ["<@U001>", "<@U001|wang>", "<@U001|>", "<@U001|Wang Fang>", "<@U003>", "<@U100>", "<@U100|xu>",
          "<@W001>", "<@U999|nobody>", "<@", "<@U1|", "<@u123>", "<@U001", "<@U001>>", "<@U001|a>b>", "<U001>",
          "@wang", "<#C0GENERAL|general>", "<@U００1>", "A001", "A002", "A003", "L01", "a001", "A0001", "U001",
          "Ａ001"]
NUMBERS = ["0", "-0", "+0", "-1", "1", "2", "20", "21", "007", "0020", "1.5", "1,5", "3.", ".5", "+3", "-3",
           "+-3", "1e3", "99999999999999999999999", "9" * 4300, "٣", "３", "２０", "２１", "1٣", "٠", "²", "-", "+"]
CODE_WORDS = [code for kind in CODES.values() for code in kind] + [
    "LATE", "Late", "CaLL", "MEDIA", "lateness", "test", "late,", "ｌａｔｅ", "DES\u212a"]
NOTES = ["thanked by a caller", "迟到二十分钟", "x" * 300, "x" * 301, "y" * 5000, "line one\nline two",
         "<@U001> again", "%s {0} {name} \\x00", "'; DROP TABLE ledger_entry; --", "🙂" * 10]
BLANKS = ["", " ", "  ", "\t", "\n", "\u3000", "\xa0", " \u2003 "]

piece = st.one_of(st.sampled_from(AGENTS), st.sampled_from(NUMBERS), st.sampled_from(CODE_WORDS),
                  st.sampled_from(NOTES), st.text(st.characters(exclude_categories=("Cs",)), max_size=12))
blank = st.sampled_from(BLANKS)


@st.composite
def command_texts(draw) -> str:
    """Shaped like a command (agent, points or code, note), or any pieces in any order."""
    if draw(st.booleans()):
        words = [draw(st.sampled_from(AGENTS)), draw(st.one_of(st.sampled_from(NUMBERS), st.sampled_from(CODE_WORDS))),
                 draw(st.one_of(st.sampled_from(NOTES), st.just(""), piece))]
    else:
        words = draw(st.lists(piece, max_size=5))
    text = draw(blank)
    for word in words:
        text += word + draw(st.one_of(st.just(" "), blank))
    return text


# --- the property ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, database=None)
@given(kind=st.sampled_from(["deduct", "award"]), text=command_texts())
@example(kind="deduct", text="<@U001> late")
@example(kind="deduct", text="A001 lateness twenty minutes")
@example(kind="award", text="A002 ３ helped a new hire")
@example(kind="award", text="A002 ٣ helped a new hire")
@example(kind="deduct", text="A001 +3 late again")
@example(kind="deduct", text="A001 1,5 half a point")
@example(kind="deduct", text="A001 1.5 half a point")
@example(kind="deduct", text="A001 0 nothing")
@example(kind="deduct", text="A001 -1 negative")
@example(kind="award", text="A001 99999999999999999999999 a lot")
@example(kind="deduct", text="<@ late")
@example(kind="deduct", text="<@U1| late")
@example(kind="deduct", text="<@u123> late")
@example(kind="deduct", text="<@U001|wang> LATE")
@example(kind="deduct", text="A001 late " + "x" * 301)
@example(kind="deduct", text="\u3000")
@example(kind="deduct", text="<@U001|Wang Fang> chat ")
@example(kind="award", text="A001 1 &lt;b&gt; &amp; more")
@example(kind="award", text="")
@example(kind="deduct", text="A0\x0001 late a NUL\x00 in the note")
@example(kind="award", text="A001 1 \x00")
def test_a_malformed_command_never_fails_and_writes_only_when_valid(lead_bot, kind, text):
    before, calls = rows(lead_bot), len(lead_bot.standin.calls)
    assert lead_bot.requests.command(f"/{kind}", text, LEAD) == (200, "")
    assert lead_bot.bot.worker.wait_idle(10)
    expected = expected_entry(kind, text)
    assert rows(lead_bot) == before + ([expected] if expected else [])

    new = lead_bot.standin.calls[calls:]
    answers = [c.body for c in new if c.method == "respond"]
    if not text.strip():  # nothing after the command: the form opens instead of an answer
        assert ([c.method for c in new], answers) == (["views.open"], [])
        return
    not_told = bool(expected) and expected[0] == "A002"  # Li Na has no Slack user: the lead is told so
    assert len(answers) == 1 + not_told and answers[0]["response_type"] == "ephemeral"
    lines = answers[0]["text"].rstrip("\n").split("\n")
    if expected:
        employee = expected[0]
        assert lines[0].startswith(f"Recorded for {ROSTER[employee]} ({employee}): {expected[1]:+d} ")
    else:  # one line saying what is wrong, then the usage line
        assert len(lines) == 2 and lines[1] == USAGE[kind], answers[0]["text"][:300]


def test_points_longer_than_python_reads_are_too_many_points_not_an_error(lead_bot):
    """4,301 digits or more: int() refuses them; the lead must still get the "too many" line."""
    before = rows(lead_bot)
    huge = "9" * 4301
    assert lead_bot.requests.command("/award", f"A001 {huge} a lot", LEAD) == (200, "")
    assert lead_bot.bot.worker.wait_idle(10)
    assert rows(lead_bot) == before
    answer = lead_bot.standin.wait_for("respond")[-1].body["text"]
    # Only the first digits are echoed back: a page of nines helps nobody.
    assert answer == f"{huge[:12]}… points is more than one entry may carry (20).\n{USAGE['award']}"
