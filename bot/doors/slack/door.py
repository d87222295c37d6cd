"""The Slack listeners: acknowledge at once, then parse, call one use case, render, reply.

Every answer is ephemeral and in the person's language; deductions and awards reach the agent
by DM through the outbox.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.outbox import deliveries as outbox
from bot.store import queries
from bot.config.center import Center
from bot.usecases.requests import (
    CommandError, catalogue, parse_day, parse_month, parse_period, parse_points,
)
from bot.store.models import Agent
from bot.usecases.days import teamstats
from bot.usecases.points import record, undo
from bot.doors.slack.directory import Directory, SlackUnavailable
from bot.doors.slack.sender import SlackSender, outbox_client
from bot.usecases.standings import month_standings
from bot.usecases.mystats import NoQuotaError, stats_view
from bot.doors.worker import Worker
from messages import slack
from messages.formats import mrkdwn
from messages.render import describe, render, text

log = logging.getLogger("kpibot.slack")
MODAL_BLOCKS = {"unknown_agent": "agent", "refused_self": "agent", "refused_agent": "agent",
                "refused_not_your_team": "agent", "refused_not_agent": "agent", "unknown_code": "code",
                "wrong_kind": "code", "pick_one": "code",
                "no_reason": "note", "note_too_long": "note"}
Reply = Callable[..., Any]
LABELLED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)\|[^>]*>")


class SlackDoor:
    def __init__(self, *, center: Center, engine: Engine, client: WebClient, worker: Worker):
        self.center, self.engine, self.client, self.worker = center, engine, client, worker
        self.directory = Directory(client)
        self.sender = SlackSender(outbox_client(client), engine)
        self._seen_events: OrderedDict[str, None] = OrderedDict()

    def register(self, app: App) -> None:
        app.command("/mystats")(self.on_mystats)
        app.command("/deduct")(lambda ack, command, respond: self.on_points("deduct", ack, command, respond))
        app.command("/award")(lambda ack, command, respond: self.on_points("award", ack, command, respond))
        app.command("/leaderboard")(self.on_leaderboard)
        app.command("/teamstats")(self.on_teamstats)
        app.action("undo_entry")(self.on_undo)
        app.view("points_modal")(self.on_modal)
        app.event("app_home_opened")(self.on_home_opened)

    # --- listeners: acknowledge, then work ------------------------------------------------

    def on_mystats(self, ack, command, respond) -> None:
        ack()
        self.worker.submit(self._answer, command["user_id"], respond, self._mystats, _words(command))

    def on_points(self, kind: str, ack, command, respond) -> None:
        ack()
        words = _words(command)
        if words.strip():
            self.worker.submit(self._answer, command["user_id"], respond, self._give, kind, words)
        else:
            self.worker.submit(self._answer, command["user_id"], respond, self._open_modal, kind, command)

    def on_leaderboard(self, ack, command, respond) -> None:
        ack()
        self.worker.submit(self._answer, command["user_id"], respond, self._leaderboard, _words(command))

    def on_teamstats(self, ack, command, respond) -> None:
        ack()
        self.worker.submit(self._answer, command["user_id"], respond, self._teamstats, _words(command))

    def on_undo(self, ack, body, respond) -> None:
        ack()
        self.worker.submit(self._answer, body["user"]["id"], respond, self._undo, body["actions"][0]["value"])

    def on_home_opened(self, event, body) -> None:
        if event.get("tab") == "home" and self._first_time(body.get("event_id")):
            self.worker.submit(self._publish_home, event["user"])

    def on_modal(self, ack, body, view) -> None:
        """Checked and written while Slack waits (errors go back into the form), told after."""
        meta, user_id = json.loads(view["private_metadata"]), body["user"]["id"]
        with Session(self.engine, expire_on_commit=False) as session:  # the rows outlive it, for the worker
            author = self.directory.find(session, user_id)
            locale = self.center.locale_of(author)
            try:
                if author is None:
                    raise CommandError("unknown_agent", meta["kind"], agent=f"<@{user_id}>")
                recorded = record(session=session, center=self.center, author=author,
                                  request=parse_points(meta["kind"], _modal_text(view, meta["kind"]),
                                                       self.center.policy),
                                  find=self.directory.finder(session), today=self.center.today())
            except CommandError as problem:
                block = MODAL_BLOCKS.get(problem.code.removeprefix("command."), "points")
                ack(response_action="errors", errors={block: describe(problem, locale)})
                return
        ack()
        self.worker.submit(self._after_modal, recorded, meta["channel"], user_id, locale)

    # --- work -----------------------------------------------------------------------------

    def _answer(self, user_id: str, respond: Reply, handle: Callable, *args: Any) -> None:
        """Find the person, run `handle`, and turn every problem into one ephemeral line."""
        locale = self.center.settings.locale
        with Session(self.engine) as session:
            try:
                person = self.directory.find(session, user_id)
                if person is None:
                    self._reply(respond, "not_on_roster", locale, contacts=queries.contacts(session=session),
                                user_id=user_id)
                    return
                locale = self.center.locale_of(person)
                handle(session, person, locale, respond, *args)
            except CommandError as problem:
                self._reply(respond, "command_error", locale, problem=problem)
            except SlackUnavailable:
                self._reply(respond, "chat_line", locale, key="chat.unavailable")
            except Exception:
                log.exception("answering %s failed", getattr(handle, "__name__", handle))
                self._reply(respond, "chat_line", locale, key="chat.oops")

    def _mystats(self, session: Session, agent: Agent, locale: str, respond: Reply, words: str) -> None:
        today = self.center.today()
        period = parse_period(words, today)
        try:
            view = stats_view(session=session, center=self.center, agent=agent, day=period.day,
                              month=period.month, today=today)
        except NoQuotaError:
            raise CommandError("no_quota", "mystats") from None
        self._reply(respond, "stats", locale, blocks=True, v=view, policy=self.center.policy)

    def _give(self, session: Session, author: Agent, locale: str, respond: Reply, kind: str, words: str) -> None:
        request = parse_points(kind, words, self.center.policy)
        recorded = record(session=session, center=self.center, author=author, request=request,
                          find=self.directory.finder(session), today=self.center.today())
        self._reply(respond, "points_confirmation", locale, blocks=True, r=recorded, policy=self.center.policy)
        key = f"entry:{recorded.entry.id}"
        if key in self._tell(recorded.agent, key, "points_notice", r=recorded).failed:  # never to arrive: say so
            agent = queries.agent_by_employee_id(session=session, employee_id=recorded.agent.employee_id)
            why = "points.not_told" if agent.slack_user_id else "points.not_told_unknown"
            self._reply(respond, "chat_line", locale, key=why, fields={"name": agent.name})

    def _undo(self, session: Session, actor: Agent, locale: str, respond: Reply, value: str) -> None:
        if not value.isdigit():
            raise CommandError("no_entry", "undo")
        undone = undo(session=session, center=self.center, actor=actor, entry_id=int(value),
                      today=self.center.today())
        self._reply(respond, "undo_confirmation", locale, replace=True, u=undone, policy=self.center.policy)
        self._tell(undone.agent, f"entry:{undone.entry.id}:undo", "undo_notice", u=undone)

    def _open_modal(self, session: Session, author: Agent, locale: str, respond: Reply, kind: str,
                    command: dict) -> None:
        if author.role == "agent":
            raise CommandError("refused_agent", kind)
        meta = json.dumps({"kind": kind, "channel": command["channel_id"]})
        form = slack.view("points_modal", locale, kind=kind, items=catalogue(self.center.policy, kind),
                          policy=self.center.policy, meta=meta)
        self.client.views_open(trigger_id=command["trigger_id"], view=form)

    def _after_modal(self, recorded, channel: str, user_id: str, locale: str) -> None:
        """The agent's DM first (the outbox keeps it), then the author's confirmation: in the
        channel the form was opened from, else (kpibot is not in it) in the author's DM."""
        self._tell(recorded.agent, f"entry:{recorded.entry.id}", "points_notice", r=recorded)
        policy = self.center.policy
        try:
            self.client.chat_postEphemeral(
                channel=channel, user=user_id, text=mrkdwn(render("points_confirmation", locale, r=recorded, policy=policy)),
                blocks=slack.blocks("points_confirmation", locale, r=recorded, policy=policy))
        except SlackClientError as err:
            log.info("no ephemeral confirmation in %s (%s): sending it by DM", channel, err)
            self._tell(recorded.author, f"entry:{recorded.entry.id}:confirmation", "points_confirmation",
                       blocks=True, r=recorded)

    def _leaderboard(self, session: Session, agent: Agent, locale: str, respond: Reply, words: str) -> None:
        today = self.center.today()
        month = parse_month(words, today)
        board = month_standings(session=session, center=self.center, month=month,
                                through=min(month.last, today))
        mine = ({"you": board.place_of(agent.employee_id), "left_on": board.left_on(agent.employee_id)}
                if agent.role == "agent" else {})
        self._reply(respond, "leaderboard", locale, blocks=True, b=board,
                    places=board.places[:self.center.policy.leaderboard_places], **mine)

    def _teamstats(self, session: Session, actor: Agent, locale: str, respond: Reply, words: str) -> None:
        digests = teamstats(session=session, center=self.center, actor=actor,
                            day=parse_day(words, self.center.today()))
        if digests is None:
            raise CommandError("no_teams", "teamstats")
        self._reply(respond, "teamstats", locale, blocks=True, digests=digests)

    def _publish_home(self, user_id: str) -> None:
        with Session(self.engine) as session:
            person = self.directory.find(session, user_id)
            locale = self.center.locale_of(person)
            context: dict[str, Any] = {"v": None, "digests": [], "policy": self.center.policy}
            if person is None:
                context["notice"] = render("not_on_roster", locale, user_id=user_id,
                                           contacts=queries.contacts(session=session))
            elif person.role == "agent":
                try:
                    context["v"] = stats_view(session=session, center=self.center, agent=person,
                                              day=self.center.today())
                except NoQuotaError:
                    context["notice"] = text(locale, "command.no_quota")
            else:
                context["digests"] = teamstats(session=session, center=self.center, actor=person,
                                               day=self.center.today()) or []
            self.client.views_publish(user_id=user_id, view=slack.view("home", locale, **context))

    # --- replies --------------------------------------------------------------------------

    @staticmethod
    def _reply(respond: Reply, name: str, locale: str, blocks: bool = False, replace: bool = False,
               **context: Any) -> None:
        """An ephemeral answer (or, with `replace`, the message it answers replaced): the plain
        text, and its Block Kit (one section when the message has no layout of its own)."""
        words = mrkdwn(render(name, locale, **context))
        shown = slack.blocks(name, locale, **context) if blocks else slack.fit([slack.section(words)], locale)
        extra = {"replace_original": True} if replace else {"response_type": "ephemeral"}
        respond(text=slack.fallback(words, locale), blocks=shown, **extra)

    def _tell(self, agent: Agent, key: str, name: str, blocks: bool = False, **context: Any) -> outbox.Outcome:
        """A DM to `agent`, sent once (the outbox keeps it if Slack is down)."""
        locale, policy = self.center.locale_of(agent), self.center.policy
        message = outbox.Message(render(name, locale, policy=policy, **context),
                                 slack.blocks(name, locale, policy=policy, **context) if blocks else None)
        with Session(self.engine) as session:
            outbox.enqueue(session=session, key=key, recipient=agent.employee_id, message=message)
        return outbox.deliver(self.engine, self.sender, [key])

    def _first_time(self, event_id: str | None) -> bool:
        """Slack retries events it thinks failed: handle each event_id once."""
        if event_id is None:
            return True
        if event_id in self._seen_events:
            return False
        self._seen_events[event_id] = None
        while len(self._seen_events) > 1000:
            self._seen_events.popitem(last=False)
        return True


def _words(command: dict) -> str:
    """A command's text as the person typed it: Slack escapes &, < and > (mentions aside; their
    labels, which may hold an escaped > of their own, are dropped first)."""
    text = LABELLED_MENTION.sub(r"<@\1>", command.get("text", ""))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _modal_text(view: dict, kind: str) -> str:
    """The form, written as the command text it stands for: `<@U…> CODE|POINTS NOTE`."""
    values = view["state"]["values"]
    user = values["agent"]["value"].get("selected_user")
    code = (values["code"]["value"].get("selected_option") or {}).get("value")
    points = values["points"]["value"].get("value")
    note = values["note"]["value"].get("value") or ""
    if bool(code) == bool(points):
        raise CommandError("pick_one", kind)
    return f"<@{user}> {code or points} {note}".strip()
