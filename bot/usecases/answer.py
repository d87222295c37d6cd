"""One answer for every door: "this person asked this command with these words" becomes a value,
the template to render, its context and locale, and the DMs it causes (each under its delivery
key). A person's mistake is an answer too (a refusal naming the problem), never an exception;
a door renders the answer its own way, replies, and hands the DMs to the outbox.

    mystats [today | yesterday | month | YYYY-MM-DD | YYYY-MM]
    deduct AGENT POINTS REASON...   or   deduct AGENT CODE [NOTE...]   (nothing after it: a form)
    award  AGENT POINTS REASON...   or   award  AGENT CODE [NOTE...]
    leaderboard [YYYY-MM]
    teamstats [today | yesterday | YYYY-MM-DD]
    undo ENTRY
    appeal ENTRY REASON...                       (the agent an entry is about)
    pending   approve ENTRY   decline ENTRY REASON...   accept ENTRY [NOTE...]   reject ENTRY REASON...
    help
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from bot.config.center import Center
from bot.outbox.platforms import Button, Note
from bot.store import queries
from bot.store.models import Agent
from bot.usecases.days import teamstats
from bot.usecases.decisions import Decided, decide, waiting
from bot.usecases.mystats import NoQuotaError, stats_view
from bot.usecases.periods import parse_day, parse_month, parse_period
from bot.usecases.points import Finder, record, undo
from bot.usecases.requests import CommandError, catalogue, parse_points
from bot.usecases.standings import month_standings
from scoring import permissions
from scoring.ledger import ACCEPT, APPEAL, APPROVE, DECLINE, REJECT


@dataclass(frozen=True)
class Request:
    """What someone asked through a door."""

    command: str  # one of COMMANDS, or home
    text: str = ""  # the words after it, as typed
    person: Agent | None = None  # who asked; None when the roster does not know them
    user_id: str = ""  # who asked as the door knows them, for a stranger to give an admin
    platform: str = ""  # the door's platform, to name that ID for them


@dataclass(frozen=True)
class Answer:
    template: str
    context: dict[str, Any]
    locale: str
    dms: tuple[Note, ...] = ()
    problem: CommandError | None = None  # set when the answer refuses: what was wrong
    form: str | None = None  # a door with forms opens this one (deduct, award) instead of replying
    undo: int | None = None  # the ledger entry the answer's Undo would undo
    buttons: tuple[Button, ...] = ()  # beside the reply, where the door shows them so (Undo, …)


@dataclass(frozen=True)
class _Asking:
    session: Session
    center: Center
    person: Agent
    locale: str
    find: Finder
    today: date
    you: permissions.Person = field(repr=False)

    def answer(self, template: str, **context: Any) -> Answer:
        return Answer(template, {"policy": self.center.policy, **context}, self.locale)


def answer(*, session: Session, center: Center, request: Request, find: Finder | None = None,
           today: date | None = None) -> Answer:
    """The answer to `request`; `find` says whom a typed word names (by default an employee ID)."""
    if request.person is None:
        return stranger(session=session, center=center, request=request)
    asking = _Asking(session, center, request.person, center.locale_of(request.person),
                     find or _by_employee_id(session), today or center.today(),
                     queries.person(session=session, agent=request.person))
    handle = COMMANDS.get(request.command)
    if handle is None:
        return asking.answer("unknown_command", given=request.command, commands=_understood(asking.you))
    try:
        return handle(asking, typed(request.text))
    except CommandError as problem:
        return Answer("command_error", {"problem": problem}, asking.locale, problem=problem)


def typed(text: str) -> str:
    """`text` without NUL characters: nobody types one, and PostgreSQL refuses text holding one."""
    return text.replace("\x00", "")


def stranger(*, session: Session, center: Center, request: Request) -> Answer:
    """Someone the roster does not know: whom to ask, and the ID to give them."""
    return Answer("not_on_roster", {"contacts": queries.contacts(session=session), "user_id": request.user_id,
                                    "platform": request.platform}, center.settings.locale)


def refused(problem: CommandError, locale: str) -> Answer:
    """A door's own reading of a request went wrong (a form filled in wrongly): the same refusal."""
    return Answer("command_error", {"problem": problem}, locale, problem=problem)


# --- the commands -------------------------------------------------------------------------


def _mystats(asking: _Asking, text: str) -> Answer:
    period = parse_period(text, asking.today)
    try:
        view = stats_view(session=asking.session, center=asking.center, agent=asking.person, day=period.day,
                          month=period.month, today=asking.today)
    except NoQuotaError:
        raise CommandError("no_quota", "mystats") from None
    return asking.answer("stats", v=view)


def _points(kind: str) -> Callable[[_Asking, str], Answer]:
    def give(asking: _Asking, text: str) -> Answer:
        if not text.strip():
            return _form(asking, kind)
        recorded = record(session=asking.session, center=asking.center, author=asking.person,
                          request=parse_points(kind, text, asking.center.policy), find=asking.find,
                          today=asking.today)
        entry = recorded.entry
        told = [_dm(asking, f"entry:{entry.id}", recorded.agent, "points_notice", r=recorded)]
        told += [_dm(asking, f"entry:{entry.id}:approval:{m.employee_id}", m, "decision_request", act=APPROVE,
                     entry=entry, agent=recorded.agent, author=recorded.author, why="",
                     buttons=(Button("decision.approve_button", APPROVE, str(entry.id)),))
                 for m in recorded.deciders]
        buttons = [Button("points.undo_button", "undo", str(entry.id))]
        if recorded.late:
            words = f"{recorded.agent.employee_id} {asking.center.policy.absence_code}"
            buttons.append(Button("points.absence_button", "deduct", words))
        return Answer("points_confirmation", {"r": recorded, "policy": asking.center.policy}, asking.locale,
                      dms=tuple(told), undo=entry.id, buttons=tuple(buttons))
    return give


def _decision(act: str) -> Callable[[_Asking, str], Answer]:
    def give(asking: _Asking, text: str) -> Answer:
        decided = decide(session=asking.session, center=asking.center, actor=asking.person, act=act, text=text,
                         today=asking.today)
        return Answer("decision", {"d": decided, "reader": "actor", "policy": asking.center.policy}, asking.locale,
                      dms=_decision_dms(asking, decided))
    return give


def _decision_dms(asking: _Asking, d: Decided) -> tuple[Note, ...]:
    """An appeal goes to the managers asked to decide it; a decision, to the agent and to whoever
    recorded the entry."""
    key = f"entry:{d.entry.id}:{d.act}"
    if d.act == APPEAL:
        accept = (Button("decision.accept_button", ACCEPT, str(d.entry.id)),)
        return tuple(_dm(asking, f"{key}:{m.employee_id}", m, "decision_request", act=APPEAL, entry=d.entry,
                         agent=d.agent, author=d.author, why=d.why, buttons=accept) for m in d.deciders)
    told = [_dm(asking, key, d.agent, "decision", d=d, reader="agent")]
    if d.author is not None:
        told.append(_dm(asking, f"{key}:author", d.author, "decision", d=d, reader="author"))
    return tuple(told)


def _pending(asking: _Asking, text: str) -> Answer:
    if asking.you.role not in permissions.EVERYONE:
        raise CommandError("refused_not_manager", "pending")
    return asking.answer("decision_list", items=waiting(session=asking.session, actor=asking.person))


def _form(asking: _Asking, kind: str) -> Answer:
    """Nothing after /deduct or /award: the catalogue to choose from (a form where there are forms)."""
    refusal = permissions.may_record(asking.you)
    if refusal is not None:
        raise CommandError(f"refused_{refusal}", kind)
    return Answer("points_form", {"kind": kind, "items": catalogue(asking.center.policy, kind),
                                  "policy": asking.center.policy}, asking.locale, form=kind)


def _undo(asking: _Asking, text: str) -> Answer:
    if not text.strip().isdigit():
        raise CommandError("no_entry", "undo")
    undone = undo(session=asking.session, center=asking.center, actor=asking.person, entry_id=int(text),
                  today=asking.today)
    told = _dm(asking, f"entry:{undone.entry.id}:undo", undone.agent, "undo_notice", u=undone)
    return Answer("undo_confirmation", {"u": undone, "policy": asking.center.policy}, asking.locale, dms=(told,))


def _leaderboard(asking: _Asking, text: str) -> Answer:
    month = parse_month(text, asking.today, "leaderboard")
    board = month_standings(session=asking.session, center=asking.center, month=month,
                            through=min(month.last, asking.today))
    you = asking.person.employee_id
    mine = {"you": board.place_of(you), "left_on": board.left_on(you)} if permissions.is_ranked(asking.you) else {}
    return asking.answer("leaderboard", b=board, places=board.top, **mine)


def _teamstats(asking: _Asking, text: str) -> Answer:
    day = parse_day(text, asking.today, "teamstats")
    digests = teamstats(session=asking.session, center=asking.center, actor=asking.person, day=day)
    if digests is None:
        raise CommandError("no_teams", "teamstats")
    return asking.answer("teamstats", digests=digests)


def _help(asking: _Asking, text: str) -> Answer:
    return asking.answer("help", commands=_understood(asking.you))


def home(*, session: Session, center: Center, request: Request, today: date | None = None) -> Answer:
    """A person's home: their own stats, or their teams', by role; a stranger is told whom to ask."""
    if request.person is None:
        return Answer("home", stranger(session=session, center=center, request=request).context,
                      center.settings.locale)
    today, locale = today or center.today(), center.locale_of(request.person)
    shown: dict[str, Any] = {"policy": center.policy, "v": None, "digests": []}
    if permissions.home_of(queries.person(session=session, agent=request.person)) == permissions.HOME_STATS:
        try:
            shown["v"] = stats_view(session=session, center=center, agent=request.person, day=today, today=today)
        except NoQuotaError:
            shown["no_quota"] = True
    else:
        shown["digests"] = teamstats(session=session, center=center, actor=request.person, day=today) or []
    return Answer("home", shown, locale)


COMMANDS: dict[str, Callable[[_Asking, str], Answer]] = {
    "mystats": _mystats, "deduct": _points("deduct"), "award": _points("award"), "leaderboard": _leaderboard,
    "teamstats": _teamstats, "undo": _undo, "help": _help, "pending": _pending,
    **{act: _decision(act) for act in (APPROVE, DECLINE, APPEAL, ACCEPT, REJECT)},
}
ALIASES = {"我的数据": "mystats", "扣分": "deduct", "加分": "award", "排行榜": "leaderboard", "班组数据": "teamstats",
           "撤销": "undo", "帮助": "help", "?": "help", "？": "help", "申诉": APPEAL, "待处理": "pending",
           "批准": APPROVE, "不批准": DECLINE, "接受申诉": ACCEPT, "驳回": REJECT}


def command_of(word: str) -> str:
    """The command a typed word names: its English name in any case, or its Chinese one."""
    return ALIASES.get(word, word.lower())


def _understood(you: permissions.Person) -> list[str]:
    """The commands `you` may use, in the order help lists them."""
    leads = permissions.may_record(you) is None
    decides = you.role in permissions.EVERYONE
    return ["mystats", "leaderboard", *(("appeal",) if permissions.is_ranked(you) else ()),
            *(("teamstats", "deduct", "award", "undo") if leads else ()),
            *(("pending", APPROVE, DECLINE, ACCEPT, REJECT) if decides else ())]


def _dm(asking: _Asking, key: str, to: Agent, template: str, buttons: tuple[Button, ...] = (), **context: Any) -> Note:
    return Note(key, to, template, {"policy": asking.center.policy, **context}, asking.center.locale_of(to),
                buttons=buttons)


def _by_employee_id(session: Session) -> Finder:
    return lambda word: queries.agent_by_employee_id(session=session, employee_id=word)
