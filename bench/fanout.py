"""How fast a round's DMs go out under Slack's rate limits, and that none is lost or doubled.

    .venv/bin/python bench/fanout.py [--count 5000] [--limit 50] [--threads 8]

A local stand-in for the Slack Web API allows `--limit` requests a second in all and answers
429 (Retry-After: 1) past that. The bench queues `--count` DMs to as many people and sends
them twice over: a first round that must open every DM channel (conversations.open, then
chat.postMessage), and a second whose channels are known. It prints the messages a second,
the 429s, and how many messages were lost or arrived twice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))
from slack_standin import SlackStandIn  # noqa: E402

from bot.outbox import deliveries as outbox  # noqa: E402
from bot.store.db import make_engine, upgrade  # noqa: E402
from bot.outbox.fanout import fan_out  # noqa: E402
from bot.store.models import Agent, Team  # noqa: E402
from bot.doors.wiring import chat_platforms  # noqa: E402
from bot.config.settings import Settings, SlackSettings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    slack = SlackStandIn(per_second=args.limit)
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='kpibot-fanout-')) / 'fanout.db'}"
    engine = make_engine(url)
    upgrade(engine)
    people = [f"E{n:05d}" for n in range(args.count)]
    with Session(engine) as session:
        session.add(Team(id=1, name="Team"))
        session.execute(insert(Agent), [dict(employee_id=e, name=e, team_id=1, role="agent", slack_user_id=f"U{e}",
                                             hire_date=date(2024, 1, 1), active=True) for e in people])
        session.commit()
    settings = Settings(database_url=url, slack=SlackSettings(bot_token="xoxb-bench", api_url=slack.api_url))
    platforms = chat_platforms(settings, engine)
    print(f"fan-out bench: {args.count:,} DMs, stand-in allowing {args.limit} requests/s, "
          f"{args.threads} sending threads")
    for round_ in ("first", "second"):
        with Session(engine) as session:
            keys = outbox.enqueue_many(session=session, items=[
                outbox.Queued(f"{round_}:{e}", e, "slack", outbox.Message(f"Good morning, {e}.")) for e in people])
        refused_before, began = slack.refused, time.perf_counter()
        outcome = fan_out(engine, platforms, keys, threads=args.threads)
        took = time.perf_counter() - began
        arrived = Counter(c.body["metadata"]["event_payload"]["key"] for c in slack.of("chat.postMessage")
                          if c.body["metadata"]["event_payload"]["key"].startswith(round_))
        lost = sum(1 for k in keys if arrived[k] == 0)
        doubled = sum(1 for k in keys if arrived[k] > 1)
        print(f"{round_} round ({'opening DM channels' if round_ == 'first' else 'channels known'}): "
              f"{len(outcome.sent):,} sent in {took:,.1f} s = {len(outcome.sent) / took:,.1f} messages/s; "
              f"{slack.refused - refused_before:,} answered 429; lost {lost}, duplicated {doubled}, "
              f"left pending {len(outcome.pending)}, failed {len(outcome.failed)}")
    slack.close()


if __name__ == "__main__":
    main()
