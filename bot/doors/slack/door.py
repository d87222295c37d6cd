"""The Slack listeners: acknowledge at once, then find the person, ask the one answer of
bot/usecases, render it as Slack shows it, reply, and hand its DMs to the outbox.

Every answer is ephemeral and in the person's language; deductions and awards reach the agent
by DM through the outbox.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackClientError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config.center import Center
from bot.doors.slack.app import Slack
from bot.doors.slack.directory import SlackUnavailable
from bot.doors.worker import Worker
from bot.outbox import deliveries
from bot.outbox.platforms import Note, Platforms, write
from bot.store.models import Agent
from bot.store.seen import first_time
from bot.usecases.answer import Answer, Request, answer, home, refused
from bot.usecases.requests import CommandError
from messages import slack
from messages.formats import mrkdwn
from messages.render import describe, render, text

log = logging.getLogger("kpibot.slack")
COMMANDS = ("mystats", "deduct", "award", "leaderboard", "teamstats", "pending")
# A decision's buttons, by action ID: the command each stands for. Those needing a reason open a form first.
BUTTONS = {"approve_entry": "approve", "accept_appeal": "accept"}
REASON_BUTTONS = {"appeal_entry": "appeal", "decline_entry": "decline", "reject_appeal": "reject"}
MODAL_BLOCKS = {"unknown_agent": "agent", "refused_self": "agent", "refused_agent": "agent",
                "refused_not_your_team": "agent", "refused_not_agent": "agent", "unknown_code": "code",
                "wrong_kind": "code", "pick_one": "code",
                "no_reason": "note", "note_too_long": "note"}
Reply = Callable[..., Any]
LABELLED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)\|[^>]*>")


class SlackDoor:
    def __init__(self, *, center: Center, engine: Engine, slack: Slack, platforms: Platforms, worker: Worker):
        self.center, self.engine, self.platforms, self.worker = center, engine, platforms, worker
        self.client, self.directory, self.platform = slack.client, slack.directory, slack.platform

    def register(self, app: App) -> None:
        for name in COMMANDS:
            app.command(f"/{name}")(self._on_command(name))
        app.action("undo_entry")(self.on_undo)
        app.action("record_absence")(self.on_record_absence)
        for action in BUTTONS:
            app.action(action)(self.on_decision)
        for action in REASON_BUTTONS:
            app.action(action)(self.on_reason_button)
        app.view("points_modal")(self.on_modal)
        app.view("reason_modal")(self.on_reason_modal)
        app.event("app_home_opened")(self.on_home_opened)

    # --- listeners: acknowledge, then work ------------------------------------------------

    def _on_command(self, name: str) -> Callable[..., None]:
        def listener(ack, command, respond) -> None:
            ack()
            self.worker.submit(self._answer, command["user_id"], Request(name, _words(command)), respond, command)
        return listener

    def on_undo(self, ack, body, respond) -> None:
        ack()
        self.worker.submit(self._answer, body["user"]["id"], Request("undo", body["actions"][0]["value"]), respond,
                           None, True)

    def on_record_absence(self, ack, body, respond) -> None:
        """The third late or early entry's button: the absence it proposes, as /deduct would write it,
        its confirmation replacing the message (and so the button)."""
        ack()
        words = f"{body['actions'][0]['value']} {self.center.policy.absence_code}"
        self.worker.submit(self._answer, body["user"]["id"], Request("deduct", words), respond, None, True)

    def on_decision(self, ack, body, respond) -> None:
        """Approve or Accept: the decision, its confirmation replacing the message with the buttons."""
        ack()
        action = body["actions"][0]
        self.worker.submit(self._answer, body["user"]["id"], Request(BUTTONS[action["action_id"]], action["value"]),
                           respond, None, True)

    def on_reason_button(self, ack, body) -> None:
        """Appeal, Decline or Reject: a form asking why, which then asks the command."""
        ack()
        action = body["actions"][0]
        meta = {"command": REASON_BUTTONS[action["action_id"]], "entry": action["value"],
                "channel": (body.get("channel") or {}).get("id")}
        self.worker.submit(self._open_reason_form, body["user"]["id"], body["trigger_id"], meta)

    def on_reason_modal(self, ack, body, view) -> None:
        """The reason given: checked and written while Slack waits (errors go back into the form)."""
        meta, user_id = json.loads(view["private_metadata"]), body["user"]["id"]
        why = view["state"]["values"]["reason"]["value"].get("value") or ""
        with Session(self.engine, expire_on_commit=False) as session:  # the rows outlive it, for the worker
            try:
                asked = self._asked(session, user_id, Request(meta["command"], f"{meta['entry']} {why}"))
                given = answer(session=session, center=self.center, request=asked,
                               find=self.directory.finder(session), today=self.center.today())
            except SlackUnavailable:
                ack(response_action="errors", errors={"reason": text(self.center.settings.locale, "slack.unavailable")})
                return
        if given.problem is not None or asked.person is None:  # a stranger is told whom to ask, in the form
            words = describe(given.problem, given.locale) if given.problem else render(given.template, given.locale,
                                                                                       **given.context).strip()
            ack(response_action="errors", errors={"reason": words})
            return
        ack()
        self.worker.submit(self._after_modal, given, meta["channel"], user_id, asked.person,
                           f"entry:{meta['entry']}:{meta['command']}:confirmation")

    def on_home_opened(self, event, body) -> None:
        if event.get("tab") == "home" and self._first_time(body.get("event_id")):  # Slack retries
            self.worker.submit(self._publish_home, event["user"])

    def on_modal(self, ack, body, view) -> None:
        """Checked and written while Slack waits (errors go back into the form), told after."""
        meta, user_id = json.loads(view["private_metadata"]), body["user"]["id"]
        with Session(self.engine, expire_on_commit=False) as session:  # the rows outlive it, for the worker
            try:
                given = self._form_answer(session, user_id, meta["kind"], view)
            except SlackUnavailable:
                words = text(self.center.settings.locale, "slack.unavailable")
                ack(response_action="errors", errors={"agent": words})
                return
        if given.problem is not None:
            block = MODAL_BLOCKS.get(given.problem.code.removeprefix("command."), "points")
            ack(response_action="errors", errors={block: describe(given.problem, given.locale)})
            return
        ack()
        author = given.context["r"].author
        self.worker.submit(self._after_modal, given, meta["channel"], user_id, author,
                           f"entry:{given.undo}:confirmation")

    # --- work -----------------------------------------------------------------------------

    def _answer(self, user_id: str, request: Request, respond: Reply, command: dict | None = None,
                replace: bool = False) -> None:
        """Find the person, ask the answer, reply, send its DMs; never a stack trace to the person."""
        locale = self.center.settings.locale
        with Session(self.engine) as session:
            try:
                asked = self._asked(session, user_id, request)
                given = answer(session=session, center=self.center, request=asked,
                               find=self.directory.finder(session), today=self.center.today())
                locale = given.locale
                if given.form is not None:
                    self._open_form(given, command)
                    return
                self._reply(respond, given, replace and given.problem is None)
                self._send(given, respond)
            except SlackUnavailable:
                self._reply_line(respond, "slack.unavailable", locale)
            except Exception:
                log.exception("answering %s failed", request.command)
                self._reply_line(respond, "chat.oops", locale)

    def _asked(self, session: Session, user_id: str, request: Request) -> Request:
        return Request(request.command, request.text, self.directory.find(session, user_id), user_id,
                       self.platform.name)

    def _form_answer(self, session: Session, user_id: str, kind: str, view: dict) -> Answer:
        """The modal's answer: what its fields say, asked as the command they stand for."""
        author = self.directory.find(session, user_id)
        try:
            if author is None:
                raise CommandError("unknown_agent", kind, agent=f"<@{user_id}>")
            words = _modal_text(view, kind)
        except CommandError as problem:
            return refused(problem, self.center.locale_of(author))
        return answer(session=session, center=self.center, request=Request(kind, words, author),
                      find=self.directory.finder(session), today=self.center.today())

    def _open_form(self, given: Answer, command: dict) -> None:
        meta = json.dumps({"kind": given.form, "channel": command["channel_id"]})
        form = slack.view("points_modal", given.locale, meta=meta, **given.context)
        self.client.views_open(trigger_id=command["trigger_id"], view=form)

    def _open_reason_form(self, user_id: str, trigger_id: str, meta: dict) -> None:
        with Session(self.engine) as session:
            locale = self.center.locale_of(self.directory.find(session, user_id))
        form = slack.view("reason_modal", locale, meta=json.dumps(meta), command=meta["command"])
        self.client.views_open(trigger_id=trigger_id, view=form)

    def _after_modal(self, given: Answer, channel: str | None, user_id: str, person: Agent, key: str) -> None:
        """The DMs first (the outbox keeps them), then the confirmation to whoever filled the form
        in: in the channel it was opened from, else (kpibot is not in it) in their DM."""
        self._deliver(given.dms)
        words = mrkdwn(render(given.template, given.locale, has_buttons=True, **given.context))
        shown = slack.blocks(given.template, given.locale, **given.context) if slack.has_blocks(given.template) \
            else [slack.section(words)]
        try:
            if channel is None:
                raise SlackClientError("no channel to answer in")
            self.client.chat_postEphemeral(channel=channel, user=user_id, text=words, blocks=shown)
        except SlackClientError as err:
            log.info("no ephemeral confirmation in %s (%s): sending it by DM", channel, err)
            self._deliver([Note(key, person, given.template, given.context, given.locale)])

    def _publish_home(self, user_id: str) -> None:
        with Session(self.engine) as session:
            shown = home(session=session, center=self.center, request=self._asked(session, user_id, Request("home")),
                         today=self.center.today())
            self.client.views_publish(user_id=user_id, view=slack.view("home", shown.locale, **shown.context))

    # --- replies and DMs ------------------------------------------------------------------

    @staticmethod
    def _reply(respond: Reply, given: Answer, replace: bool = False) -> None:
        """An ephemeral answer (or, with `replace`, the message it answers replaced): the plain
        text, and its Block Kit (one section when the message has no layout of its own)."""
        name, locale, context = given.template, given.locale, given.context
        words = mrkdwn(render(name, locale, has_buttons=True, **context))
        shown = slack.blocks(name, locale, **context) if slack.has_blocks(name) else slack.fit([slack.section(words)],
                                                                                               locale)
        extra = {"replace_original": True} if replace else {"response_type": "ephemeral"}
        respond(text=slack.fallback(words, locale), blocks=shown, **extra)

    def _reply_line(self, respond: Reply, key: str, locale: str, **fields: Any) -> None:
        self._reply(respond, Answer("chat_line", {"key": key, "fields": fields}, locale))

    def _send(self, given: Answer, respond: Reply) -> None:
        """The answer's DMs, sent once; whoever asked is told of one that can never arrive: Slack
        refused it, or has no user for the person (their email was looked up as it was sent)."""
        failed = set(self._deliver(given.dms).failed)
        for note in (n for n in given.dms if n.key in failed):
            with Session(self.engine) as session:
                known = session.get(Agent, note.to.id).slack_user_id is not None
            why = "slack.not_told" if known else "slack.not_told_unknown"
            self._reply_line(respond, why, given.locale, name=note.to.name)

    def _deliver(self, notes) -> deliveries.Outcome:
        with Session(self.engine) as session:
            keys = write(session=session, platforms=self.platforms, notes=notes, fallback=self.platform)
        return deliveries.deliver(self.engine, self.platforms, keys)

    def _first_time(self, event_id: str | None) -> bool:
        return event_id is None or first_time(self.engine, self.platform.name, event_id)


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
