"""How fast a round's DMs go out under Slack's rate limits, and that none is lost or doubled.

    .venv/bin/python bench/fanout.py [--count 20000] [--limit 50] [--rate LIMIT] [--threads 8] [--database-url URL]

A local stand-in for the Slack Web API allows `--limit` requests a second in all and answers
429 (Retry-After: 1) past that; kpibot is told Slack allows `--rate` (SLACK_REQUESTS_PER_SECOND,
by default the limit). The bench fills a scratch SQLite file (or the database you name,
which must be empty and is migrated) with `--count` agents, queues a DM to each and sends them
twice over: a first round that must open every DM channel (conversations.open, then
chat.postMessage), and a second whose channels are known. For each round it prints the
requests and messages a second, the requests' share of the limit, the 429s, and how many
messages were lost or arrived twice; then one summary line. The goal: at least 90 % of the
limit once the channels are known, none lost, none doubled.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))
from slack_standin import SlackStandIn  # noqa: E402

from bot.config.settings import Settings, SlackSettings  # noqa: E402
from bot.doors.wiring import chat_platforms  # noqa: E402
from bot.outbox import deliveries as outbox  # noqa: E402
from bot.outbox.fanout import fan_out  # noqa: E402
from bot.store.db import make_engine, upgrade  # noqa: E402
from bot.store.models import Agent, Team  # noqa: E402

GOAL = 0.90  # of the limit, once the channels are known
ROUNDS = (("first", "first round (opening DM channels)"), ("second", "second round (channels known)"))


@dataclass(frozen=True)
class Round:
    name: str
    sent: int
    seconds: float
    requests: int  # those Slack took; the 429s not counted
    refused: int
    lost: int
    doubled: int
    pending: int
    failed: int

    def share(self, limit: int) -> float:
        return self.requests / self.seconds / limit

    def line(self, limit: int) -> str:
        return (f"{self.name}: {self.sent:,} sent in {self.seconds:,.1f} s = {self.sent / self.seconds:,.1f} msg/s, "
                f"{self.requests:,} requests = {self.requests / self.seconds:,.1f}/s = {percent(self.share(limit))} of "
                f"{limit}/s; {self.refused:,} answered 429; lost {self.lost}, duplicated {self.doubled}, "
                f"left pending {self.pending}, failed {self.failed}")


def percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def fill(url: str, count: int) -> tuple[object, list[str]]:
    """An engine on `url`, migrated, with `count` agents on Slack; refuses a database with agents."""
    engine = make_engine(url)
    upgrade(engine)
    people = [f"E{n:05d}" for n in range(count)]
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(Agent)).one():
            sys.exit(f"{url} has agents already: name an empty database (or none, for a scratch SQLite file)")
        session.add(Team(id=1, name="Team"))
        session.execute(insert(Agent), [dict(employee_id=e, name=e, team_id=1, role="agent", slack_user_id=f"U{e}",
                                             hire_date=date(2024, 1, 1), active=True) for e in people])
        session.commit()
    return engine, people


def send_round(prefix: str, name: str, engine, platforms, slack: SlackStandIn, people: list[str],
               threads: int) -> Round:
    """Queue a DM to each of `people` under keys starting with `prefix`, send them all, count what arrived."""
    with Session(engine) as session:
        keys = outbox.enqueue_many(session=session, items=[
            outbox.Queued(f"{prefix}:{e}", e, "slack", outbox.Message(f"Good morning, {e}.")) for e in people])
    calls, refused, began = len(slack.calls), slack.refused, time.perf_counter()
    outcome = fan_out(engine, platforms, keys, threads=threads)
    took = time.perf_counter() - began
    arrived = Counter(key for c in slack.of("chat.postMessage")
                      if (key := c.body["metadata"]["event_payload"]["key"]).startswith(prefix + ":"))
    return Round(name, len(outcome.sent), took, len(slack.calls) - calls, slack.refused - refused,
                 sum(1 for k in keys if arrived[k] == 0), sum(1 for k in keys if arrived[k] > 1),
                 len(outcome.pending), len(outcome.failed))


def summary(count: int, limit: int, first: Round, known: Round) -> str:
    met = known.share(limit) >= GOAL and first.lost + known.lost == 0 and first.doubled + known.doubled == 0
    return (f"fanout: {count:,} DMs, known channels {known.sent / known.seconds:.1f} msg/s = "
            f"{percent(known.share(limit))} of {limit}/s, first round {first.sent / first.seconds:.1f} msg/s "
            f"({first.requests / first.seconds:.1f} requests/s = {percent(first.share(limit))}), "
            f"lost {first.lost + known.lost}, duplicated {first.doubled + known.doubled}; "
            f"goal >= {percent(GOAL)}: {'met' if met else 'not met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--rate", type=int, help="SLACK_REQUESTS_PER_SECOND (default: the limit)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='kpibot-fanout-')) / 'fanout.db'}"
    slack = SlackStandIn(per_second=args.limit)
    engine, people = fill(url, args.count)
    settings = Settings(database_url=url, slack=SlackSettings(bot_token="xoxb-bench", api_url=slack.api_url,
                                                              requests_per_second=str(args.rate or args.limit)))
    platforms = chat_platforms(settings, engine)
    print(f"fan-out bench: {args.count:,} DMs, stand-in allowing {args.limit} requests/s, kpibot set to "
          f"{settings.slack.rate}/s, {args.threads} sending threads, {engine.dialect.name}")
    rounds = []
    for prefix, name in ROUNDS:
        rounds.append(send_round(prefix, name, engine, platforms, slack, people, args.threads))
        print(rounds[-1].line(args.limit), flush=True)
    slack.close()
    print(summary(args.count, args.limit, *rounds))


if __name__ == "__main__":
    main()
