"""Who is who: a Slack user is matched to the roster by slack_user_id, else by the email
users.info gives, and that match is remembered."""

from __future__ import annotations

import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.store import queries
from bot.store.models import Agent

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class SlackUnavailable(RuntimeError):
    """Slack did not answer a question we needed answered; try again later."""


class Directory:
    def __init__(self, client: WebClient):
        self.client = client

    def find(self, session: Session, user_id: str) -> Agent | None:
        """The roster row of Slack user `user_id`, or None."""
        agent = _by_slack_id(session, user_id)
        if agent is not None:
            return agent
        email = self._email(user_id)
        agent = queries.agent_by_email(session=session, email=email) if email else None
        if agent is None or agent.slack_user_id is not None:
            return None
        agent.slack_user_id = user_id
        session.add(agent)
        session.commit()
        return agent

    def finder(self, session: Session):
        """Whom a command's word names: a mention (`<@U123>`), or an employee ID."""
        def find(word: str) -> Agent | None:
            mention = MENTION.fullmatch(word)
            if mention:
                return self.find(session, mention.group(1))
            return queries.agent_by_employee_id(session=session, employee_id=word)
        return find

    def link_roster(self, engine: Engine) -> int:
        """Find the Slack users of active roster rows that have an email but no Slack ID;
        returns how many were found. Stops quietly when Slack says to slow down."""
        with Session(engine) as session:
            unlinked = session.exec(select(Agent).where(Agent.active, Agent.slack_user_id.is_(None),
                                                        Agent.email.is_not(None)).order_by(Agent.id)).all()
            found = 0
            for agent in unlinked:
                try:
                    found += self.link(session, agent)
                except SlackClientError:
                    break
            return found

    def link(self, session: Session, agent: Agent) -> bool:
        """Match `agent` (no Slack ID yet) to the Slack user with their email, and remember it.
        False when Slack has no such user or that user is someone else's already; SlackApiError
        or SlackClientError when Slack could not be asked."""
        if not agent.email:
            return False
        try:
            user = self.client.users_lookupByEmail(email=agent.email)["user"]
        except SlackApiError as err:
            if err.response.get("error") == "users_not_found":
                return False
            raise
        if _by_slack_id(session, user["id"]) is not None:
            return False
        agent.slack_user_id = user["id"]
        session.add(agent)
        session.commit()
        return True

    def _email(self, user_id: str) -> str | None:
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as err:
            if err.response.get("error") == "user_not_found":
                return None
            raise SlackUnavailable(str(err.response.get("error"))) from None
        except SlackClientError as err:
            raise SlackUnavailable(str(err)) from None
        return (user.get("profile") or {}).get("email")


def _by_slack_id(session: Session, user_id: str) -> Agent | None:
    return session.exec(select(Agent).where(Agent.slack_user_id == user_id)).first()
