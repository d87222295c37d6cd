"""Send outbox messages on Slack: DMs to people (by employee ID) and posts to #channels."""

from __future__ import annotations

from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import store
from bot.outbox import Message, SendFailed, Undeliverable

NEVER = {"channel_not_found", "user_not_found", "not_in_channel", "is_archived", "account_inactive",
         "cannot_dm_bot", "user_disabled", "invalid_blocks", "msg_too_long", "no_text"}


class SlackSender:
    def __init__(self, client: WebClient, engine: Engine):
        self.client, self.engine = client, engine

    def send(self, recipient: str, message: Message) -> None:
        channel = recipient[1:] if recipient.startswith("#") else self._dm_channel(recipient)
        self._call(self.client.chat_postMessage, channel=channel, text=message.text,
                   blocks=message.blocks, unfurl_links=False)

    def _dm_channel(self, employee_id: str) -> str:
        """The DM channel with the person, opened once and remembered (opening is rate-limited)."""
        with Session(self.engine) as session:
            agent = store.agent_by_employee_id(session=session, employee_id=employee_id)
            if agent is None or not agent.slack_user_id:
                raise Undeliverable(f"{employee_id} has no Slack user")
            if agent.slack_dm_channel:
                return agent.slack_dm_channel
            opened = self._call(self.client.conversations_open, users=agent.slack_user_id)
            agent.slack_dm_channel = opened["channel"]["id"]
            session.add(agent)
            session.commit()
            return agent.slack_dm_channel

    @staticmethod
    def _call(method, **kwargs):
        try:
            return method(**kwargs)
        except SlackApiError as err:
            error, status = err.response.get("error"), err.response.status_code
            if error in NEVER:
                raise Undeliverable(str(error)) from None
            retry_after = err.response.headers.get("Retry-After") if status == 429 else None
            raise SendFailed(f"{status} {error}", float(retry_after) if retry_after else None) from None
        except (SlackClientError, URLError, OSError) as err:  # connection refused, timeout
            raise SendFailed(type(err).__name__) from None
