"""The WeCom door: `GET|POST /wecom/callback`.

GET is WeCom's check of the URL: the decrypted `echostr`, plain, at once. POST is a message or
a card's button click: checked (signature, freshness, corp ID), taken in once by its MsgId
(WeCom waits 5 s for an answer and then sends it again, three times), answered at once with an
empty 200, and worked after: the person is found, the one answer of bot/usecases is asked, its
reply goes back as an app message (a card with an Undo button for a recorded entry), and its
DMs go to the outbox. Anything that is not WeCom's is refused and changes nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config.center import Center
from bot.doors.wecom import directory
from bot.doors.wecom.callback import (
    MOST_BODY,
    CallbackError,
    Incoming,
    encrypted_of,
    incoming,
    typed,
)
from bot.doors.wecom.envelope import Envelope, EnvelopeError
from bot.doors.wecom.platform import WecomPlatform
from bot.doors.worker import Worker
from bot.outbox import deliveries
from bot.outbox.deliveries import SendFailed, Undeliverable
from bot.outbox.platforms import Platforms, write
from bot.store.seen import first_time
from bot.usecases.answer import Answer, Request, answer
from messages.render import text

log = logging.getLogger("kpibot.wecom")
CHINESE = "zh-CN"  # what WeCom users read unless the roster says otherwise
CLICKABLE = ("undo", "deduct", "approve", "accept")  # the commands a card's button may stand for
REFUSED = {"signature": "403 Forbidden", "stale": "403 Forbidden", "corp_id": "403 Forbidden",
           "garbage": "400 Bad Request"}


class WecomDoor:
    def __init__(self, *, center: Center, engine: Engine, envelope: Envelope, platform: WecomPlatform,
                 platforms: Platforms, worker: Worker, clock: Callable[[], float] = lambda: time.time()):
        self.center, self.engine, self.envelope, self.platform = center, engine, envelope, platform
        self.platforms, self.worker, self.clock = platforms, worker, clock

    # --- the route: check, take in once, answer at once ---------------------------------------

    def route(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if method == "GET":
                return _plain(start_response, "200 OK", self._open(query, query.get("echostr", "")))
            if method == "POST":
                message = incoming(self._open(query, encrypted_of(_body(environ))))
                if first_time(self.engine, self.platform.name, message.key):  # WeCom retries
                    self.worker.submit(self._take, message)
                return _plain(start_response, "200 OK", "")
            return _plain(start_response, "405 Method Not Allowed", "GET or POST\n")
        except EnvelopeError as err:
            log.warning("refused a WeCom callback: %s", err.reason)
            return _plain(start_response, REFUSED[err.reason], f"refused: {err.reason}\n")
        except CallbackError as err:
            log.warning("refused a WeCom callback: %s", err)
            return _plain(start_response, "400 Bad Request", "refused: not a WeCom callback\n")

    def _open(self, query: dict[str, str], encrypted: str) -> str:
        return self.envelope.open(signature=query.get("msg_signature", ""), timestamp=query.get("timestamp", ""),
                                  nonce=query.get("nonce", ""), encrypted=encrypted, now=self.clock())

    # --- the work after -----------------------------------------------------------------------

    def _take(self, message: Incoming) -> None:
        if message.kind == "text":
            self._answer(message, *typed(message.content))
        elif message.kind == "click":
            command, _, words = message.event_key.partition(":")
            if command in CLICKABLE:
                self._answer(message, command, words)

    def _answer(self, message: Incoming, command: str, words: str) -> None:
        """Find the person, ask the answer, reply, send its DMs; never a stack trace to the person."""
        locale = CHINESE
        with Session(self.engine) as session:
            try:
                person = directory.find(session, message.user)
                given = answer(session=session, center=self.center,
                               request=Request(command, words, person, message.user, self.platform.name),
                               find=directory.finder(session), today=self.center.today())
                if person is None:
                    given = dataclasses.replace(given, locale=CHINESE)
                locale = given.locale
                keys = write(session=session, platforms=self.platforms, notes=given.dms, fallback=self.platform)
                self._tell(message.user, given)  # the DMs are written down first: kept whatever happens here
                if message.kind == "click" and given.problem is None:
                    self._safely(self.platform.update_card, message.user, message.response_code,
                                 text(given.locale, f"wecom.pressed.{command}"))
                self._send(message.user, given, keys)
            except Exception:
                log.exception("answering %s on WeCom failed", command)
                self._tell_line(message.user, "chat.oops", locale)

    def _tell(self, user: str, given: Answer) -> None:
        """The answer to whoever wrote: a card with its buttons (Undo for a recorded entry), else a message."""
        shown = self.platform.render_for_person(given.template, given.context, given.locale)
        if given.buttons:
            self._safely(self.platform.card, user, shown, title=text(given.locale, "wecom.card_title"),
                         buttons=[(text(given.locale, b.label), b.key) for b in given.buttons])
        else:
            self._safely(self.platform.reply, user, shown)

    def _tell_line(self, user: str, key: str, locale: str, **fields) -> None:
        self._tell(user, Answer("chat_line", {"key": key, "fields": fields}, locale))

    @staticmethod
    def _safely(send: Callable, user: str, *args, **kwargs) -> None:
        """An answer WeCom refuses is logged: the person sees nothing, and may ask again."""
        try:
            send(user, *args, **kwargs)
        except (SendFailed, Undeliverable) as err:
            log.warning("a message to %s on WeCom could not be sent: %s", user, err)

    def _send(self, user: str, given: Answer, keys: list[str]) -> None:
        """The answer's DMs, sent once; whoever asked is told of one that can never arrive."""
        failed = set(deliveries.deliver(self.engine, self.platforms, keys).failed)
        for note in (n for n in given.dms if n.key in failed):
            platform = self.platforms.for_person(note.to)
            if platform is None:
                self._tell_line(user, "wecom.not_told_unknown", given.locale, name=note.to.name)
            else:
                self._tell_line(user, "wecom.not_told", given.locale, name=note.to.name,
                                platform=text(given.locale, f"platform.{platform.name}"))


def _body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise CallbackError("bad Content-Length") from None
    if length > MOST_BODY:
        raise CallbackError("too long")
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _plain(start_response: Callable, status: str, body: str) -> list[bytes]:
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]
