"""Slack as a platform of the outbox: DMs to people (by employee ID) and posts to #channels.

Every message carries its delivery key as message metadata, so that after a crash kpibot can
ask Slack whether a message it was sending arrived, instead of guessing. Every request the
outbox makes goes at the pace of one Pacer shared by the sending threads (SLACK_REQUESTS_PER_SECOND),
and a 429 holds them all for its Retry-After.
"""

from __future__ import annotations

from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.doors.slack.directory import Directory
from bot.outbox.deliveries import Message, SendFailed, Undeliverable
from bot.outbox.pacing import Pacer
from bot.outbox.platforms import Note
from bot.store import queries
from bot.store.models import Agent, Delivery
from messages import slack
from messages.formats import mrkdwn
from messages.render import render

METADATA_EVENT = "kpibot_delivery"
NEVER = {"channel_not_found", "user_not_found", "not_in_channel", "is_archived", "account_inactive",
         "cannot_dm_bot", "user_disabled", "invalid_blocks", "msg_too_long", "no_text", "invalid_auth",
         "not_authed", "missing_scope"}


def outbox_client(client: WebClient) -> WebClient:
    """`client` without slack_sdk's own retries: resending a message whose answer was lost could
    post it twice, so the outbox decides what to send again, after asking Slack."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[])


class SlackPlatform:
    name = "slack"
    channel_setting = "SLACK_LEADERBOARD_CHANNEL"
    tells_what_arrived = True  # the delivery key is in each message's metadata

    def __init__(self, *, client: WebClient, directory: Directory, engine: Engine, channel: str | None,
                 pacer: Pacer | None = None):
        """`client` sends the outbox's messages (see outbox_client); `channel` is a channel ID;
        `pacer` spaces the requests (without one, only a Retry-After holds them)."""
        self.client, self.directory, self.engine = client, directory, engine
        self.pacer = pacer or Pacer()
        self.channel = f"#{channel}" if channel else None

    def knows(self, agent: Agent) -> bool:
        return agent.slack_user_id is not None

    def reaches(self, agent: Agent) -> bool:
        """A Slack user, or an email to look one up by when the message is sent."""
        return bool(agent.slack_user_id or agent.email)

    def link(self, engine: Engine) -> None:
        self.directory.link_roster(engine)

    def render(self, note: Note) -> Message:
        """The plain text, and the Block Kit blocks of templates that have a layout of their own."""
        layout = slack.blocks(note.template, note.locale, **note.context) if slack.has_blocks(note.template) else None
        return Message(render(note.template, note.locale, has_buttons=True, **note.context), layout, note.file,
                       note.until)

    def send(self, key: str, recipient: str, message: Message) -> None:
        channel = self._channel(recipient)
        if message.file is not None:
            self._call(self.client.files_upload_v2, channel=channel, content=message.file.data,
                       filename=message.file.name, title=message.file.name, initial_comment=mrkdwn(message.text))
            return
        self._call(self.client.chat_postMessage, channel=channel, text=mrkdwn(message.text), blocks=message.layout,
                   unfurl_links=False, metadata={"event_type": METADATA_EVENT, "event_payload": {"key": key}})

    def was_sent(self, delivery: Delivery) -> bool | None:
        """Look in the channel for what the delivery sent since it was claimed: a message with its
        key in the metadata, or an upload of its file. None when Slack cannot be asked."""
        since = delivery.claimed_at.timestamp() - 5 if delivery.claimed_at else 0
        file = Message.from_json(delivery.payload).file
        try:
            channel = self._channel(delivery.recipient, open_dm=False)
            if channel is None:
                return False  # the DM was never opened, so nothing was posted in it
            if file is not None:
                found = self._call(self.client.files_list, channel=channel, ts_from=int(since), types="images")
                return any(f.get("title") == file.name for f in found.get("files", []))
            history = self._call(self.client.conversations_history, channel=channel, oldest=since,
                                 include_all_metadata=True, limit=100)
        except (SendFailed, Undeliverable):
            return None
        return any((m.get("metadata") or {}).get("event_payload", {}).get("key") == delivery.key
                   for m in history.get("messages", []))

    def _channel(self, recipient: str, open_dm: bool = True) -> str | None:
        """A #channel as it is; a person's DM channel, opened once and remembered (None when it is
        not open yet and `open_dm` is false)."""
        if recipient.startswith("#"):
            return recipient[1:]
        with Session(self.engine) as session:
            agent = queries.agent_by_employee_id(session=session, employee_id=recipient)
            if agent is not None and not agent.slack_user_id and open_dm:
                self._call(self.directory.link, session=session, agent=agent)  # known by email only
            if agent is None or not agent.slack_user_id:
                raise Undeliverable(f"{recipient} has no Slack user")
            if agent.slack_dm_channel or not open_dm:
                return agent.slack_dm_channel
            opened = self._call(self.client.conversations_open, users=agent.slack_user_id)
            agent.slack_dm_channel = opened["channel"]["id"]  # opening is rate-limited: remember it
            session.add(agent)
            session.commit()
            return agent.slack_dm_channel

    def _call(self, method, **kwargs):
        """One Web API request at the pace, Slack's refusals as the outbox's."""
        self.pacer.wait()
        try:
            return method(**kwargs)
        except SlackApiError as err:
            error, status = err.response.get("error"), err.response.status_code
            if error in NEVER:
                raise Undeliverable(str(error)) from None
            headers = {k.lower(): v for k, v in (err.response.headers or {}).items()}
            retry_after = float(headers["retry-after"]) if status == 429 and headers.get("retry-after") else None
            if retry_after is not None:
                self.pacer.limited(retry_after)
            raise SendFailed(f"{status} {error}", retry_after) from None
        except (SlackClientError, URLError, OSError) as err:  # connection refused, timeout
            raise SendFailed(type(err).__name__, unsure=_timed_out(err)) from None


def _timed_out(err: Exception) -> bool:
    """A timeout: the request may have reached Slack, which may have posted it."""
    return isinstance(err, TimeoutError) or isinstance(getattr(err, "reason", None), TimeoutError)
