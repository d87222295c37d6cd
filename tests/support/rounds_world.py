"""A small center for the scheduled rounds, a stand-in Slack that can lose or hold a message in
flight, readers of what the stand-in received, and the fixtures `world` and `kpibot`.

The center (Asia/Shanghai, China's calendar), in November 2026 unless said otherwise:

    Alpha, led by Xu Chen (L01, U100)           Beta, led by Sun Li (L02, U200), reads Chinese
      A001 Wang Fang   veteran, U001              A006 Zhou Min  veteran, U006, reads Chinese
      A002 Li Na       veteran, U002              A007 Wu Gang   new hire (hired 1 Oct), U007
      A003 Zhao Lei    hired Tue 17 Nov, U003     Ma Jun (M01, U900), manager, Office
      A004 Chen Jing   veteran, email only
      A005 Liu Yang    veteran, no Slack at all
      A008 Qian Yu     left (inactive), U008

Days worked in November, by hand (calls, talk minutes):
    A001  every working day 2-20 Nov (15 days): 62 calls, 151.5 min
    A002  Mon 2 - Thu 19 Nov (14 days): 60 calls, 150 min; Fri 20 Nov: 48 calls, 130 min
    A003  Tue 17 - Fri 20 Nov (4 days): 30 calls, 70 min
    A004  Fri 20 Nov: 61 calls, 150 min
    A006  Mon 16 - Thu 19 Nov (4 days): 55 calls, 140 min; nothing on Fri 20 Nov
    A007  Fri 20 Nov: 50 calls, 121 min
Ledger: A002 -2 (late, 10 Nov); A006 -5 (refusal, 12 Nov) and +1 (call, 13 Nov).
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.config.calendars import work_calendar
from bot.config.center import Center, open_center
from bot.store.db import make_engine
from bot.doors.wiring import chat_platforms
from bot.outbox.platforms import Platforms
from bot.rounds.month_end import month_end_round
from bot.rounds.morning import morning
from bot.rounds.run import LEASE, RoundReport
from bot.store.models import Delivery, JobRun, utcnow
from bot.rounds.scheduler import Rounds
from bot.config.settings import Settings, SlackSettings
from factories import add_agent, add_day, add_entry
from scoring.calendar import Month
from slack_standin import Call, SlackStandIn, _decode

CHANNEL = "C0LEADERS"
TOKEN = "xoxb-rounds-token"


def working_days(first: date, last: date, calendar) -> list[date]:
    days, day = [], first
    while day <= last:
        if calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def build(session: Session, policy) -> dict[str, SimpleNamespace]:
    """The center; returns each person's row ID (as `.id`, what the factories need)."""
    calendar = work_calendar(policy)
    people = {
        "L01": add_agent(session, "L01", name="Xu Chen", team="Alpha", role="lead", slack_user_id="U100"),
        "L02": add_agent(session, "L02", name="Sun Li", team="Beta", role="lead", slack_user_id="U200",
                         locale="zh-CN"),
        "M01": add_agent(session, "M01", name="Ma Jun", team="Office", role="manager", slack_user_id="U900"),
        "A001": add_agent(session, "A001", name="Wang Fang", team="Alpha", slack_user_id="U001"),
        "A002": add_agent(session, "A002", name="Li Na", team="Alpha", slack_user_id="U002"),
        "A003": add_agent(session, "A003", name="Zhao Lei", team="Alpha", hire_date=date(2026, 11, 17),
                          slack_user_id="U003"),
        "A004": add_agent(session, "A004", name="Chen Jing", team="Alpha", email="chen.jing@example.com"),
        "A005": add_agent(session, "A005", name="Liu Yang", team="Alpha"),
        "A008": add_agent(session, "A008", name="Qian Yu", team="Alpha", slack_user_id="U008", active=False),
        "A006": add_agent(session, "A006", name="Zhou Min", team="Beta", slack_user_id="U006", locale="zh-CN"),
        "A007": add_agent(session, "A007", name="Wu Gang", team="Beta", hire_date=date(2026, 10, 1),
                          slack_user_id="U007"),
    }
    november = working_days(date(2026, 11, 2), date(2026, 11, 20), calendar)
    assert len(november) == 15
    for day in november:
        add_day(session, people["A001"], day, 62, 151.5)
        add_day(session, people["A002"], day, *((48, 130) if day.day == 20 else (60, 150)))
    for day in (date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)):
        add_day(session, people["A003"], day, 30, 70)
    add_day(session, people["A004"], date(2026, 11, 20), 61, 150)
    for day in (date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)):
        add_day(session, people["A006"], day, 55, 140)
    add_day(session, people["A007"], date(2026, 11, 20), 50, 121)
    add_entry(session, people["A002"], date(2026, 11, 10), -2, code="late", author=people["L01"])
    add_entry(session, people["A006"], date(2026, 11, 12), -5, code="refusal", author=people["L02"])
    add_entry(session, people["A006"], date(2026, 11, 13), 1, code="call", author=people["L02"])
    return {employee_id: SimpleNamespace(id=agent.id) for employee_id, agent in people.items()}


# --- the stand-in -------------------------------------------------------------------------------


class RoundsStandIn(SlackStandIn):
    """The stand-in, with what the rounds' tests need on top:

    - `arrivals`: every request in order with its time, delivery key and the status answered,
      the 429s of `per_second` included;
    - a conversations.history of only the posts Slack took (the base class's holds every post
      it was sent, those it answered 429 or 500 included);
    - `fail(key, *answers)`: the next chat.postMessage calls of one delivery get these answers;
    - `stick(method, after, lose=...)`: once `after` calls went through, calls of `method` never
      get an answer; those whose key is in `lose` never even arrive (lost on the way), the
      others arrive (Slack has the message) and are recorded.
    """

    def __init__(self, per_second: int | None = None):
        self.delivered: list[dict] = []  # the posts Slack has, as conversations.history tells them
        self.arrivals: list[dict] = []
        self.lost: list[dict] = []
        self._failing: dict[str, list[tuple[int, dict]]] = {}
        self._stuck: dict[str, tuple[int, frozenset[str]]] = {}
        self._through: Counter[str] = Counter()
        self._gate = threading.Lock()
        self._never = threading.Event()
        super().__init__(per_second)

    # --- scripting --------------------------------------------------------------------------

    def fail(self, key: str, *answers: tuple[int, dict]) -> None:
        self._failing[key] = list(answers)

    def stick(self, method: str, after: int, lose: set[str] = frozenset()) -> None:
        self._stuck[method] = (after, frozenset(lose))

    def unstick(self, method: str) -> None:
        del self._stuck[method]

    def stuck(self) -> int:
        """Calls that got no answer: recorded and hanging, or lost."""
        with self._gate:
            return sum(1 for a in self.arrivals if a["status"] == "stuck")

    # --- answering --------------------------------------------------------------------------

    def _handle(self, request) -> None:
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        request.rfile = io.BytesIO(raw)  # the base class reads it again
        upload = request.path.startswith("/upload/")
        method = "upload" if upload else request.path.rsplit("/", 1)[-1]
        body = {} if upload else _decode(raw, request.headers.get("Content-Type", ""))
        key = (body.get("metadata") or {}).get("event_payload", {}).get("key") \
            if isinstance(body.get("metadata"), dict) else None
        with self._gate:
            arrival = {"t": time.monotonic(), "method": method, "key": key, "status": None}
            self.arrivals.append(arrival)
            self._through[method] += 1
            after, lose = self._stuck.get(method, (None, frozenset()))
            stuck = after is not None and self._through[method] > after
            failing = self._failing.get(key) if key else None
            answer = failing.pop(0) if failing else None
        request.arrival = arrival
        if stuck:
            arrival["status"] = "stuck"
            if key in lose:
                self.lost.append(body)
            else:
                self._record(Call(method, body, dict(request.headers), request.path))
                if method == "chat.postMessage":
                    self.delivered.append(body)
            self._never.wait(60)
            return
        if answer is not None:
            self._record(Call(method, body, dict(request.headers), request.path))
            self._answer(request, *answer, {})
            return
        super()._handle(request)

    def _usual(self, method: str, body: dict) -> dict:
        """As the base class, but the history holds only posts Slack took (not those it refused)."""
        if method == "chat.postMessage":
            with self._gate:
                self.delivered.append(body)
        if method == "conversations.history":
            with self._gate:
                posted = [p for p in self.delivered if p.get("channel") == body.get("channel")]
            return {"ok": True, "messages": [{"type": "message", "text": p.get("text"), "metadata": p.get("metadata")}
                                             for p in reversed(posted)]}
        return super()._usual(method, body)

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    def _answer(self, request, status: int, body: dict, headers: dict) -> None:
        if getattr(request, "arrival", None) is not None:
            request.arrival["status"] = status
        super()._answer(request, status, body, headers)

    def close(self) -> None:
        self._never.set()
        super().close()


# For tests with a dying sender: pytest reports the SystemExit that ends the sending thread.
DIES = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


class DiesWhileSending:
    """A platform whose process dies on its `on_try`-th send of delivery `key`: the claim is
    written, nothing reaches Slack, and the claim is never finished (SystemExit ends only the
    sending thread, quietly: the state is the one a killed process leaves). Otherwise it is the
    platform it wraps."""

    def __init__(self, platform, key: str, on_try: int = 1):
        self.platform, self.key, self.on_try, self.tries = platform, key, on_try, 0

    def __getattr__(self, name):
        return getattr(self.platform, name)

    def send(self, key, recipient, message):
        if key == self.key:
            self.tries += 1
            if self.tries == self.on_try:
                raise SystemExit(f"killed while sending {key}")
        self.platform.send(key, recipient, message)


# --- reading what the stand-in received ----------------------------------------------------------


def key_of(body: dict) -> str:
    return body["metadata"]["event_payload"]["key"]


def posted(standin: SlackStandIn) -> dict[str, str]:
    """chat.postMessage calls by delivery key: the text sent."""
    return {key_of(c.body): c.body["text"] for c in standin.of("chat.postMessage")}


def posts_per_key(standin: SlackStandIn) -> Counter[str]:
    return Counter(key_of(c.body) for c in standin.of("chat.postMessage"))


def transcript(standin: SlackStandIn) -> list[tuple[str, str]]:
    """Every recorded call as (method, body as sorted JSON), sorted: the calls made by several
    sending threads, whatever their order."""
    return sorted((c.method, json.dumps(c.body, sort_keys=True, ensure_ascii=False, default=repr))
                  for c in standin.calls)


def call(method: str, **body) -> tuple[str, str]:
    return method, json.dumps(body, sort_keys=True, ensure_ascii=False, default=repr)


def dm(user: str, key: str, text: str) -> list[tuple[str, str]]:
    """A DM as kpibot sends it to a person whose DM channel is not known yet."""
    return [call("conversations.open", users=user), post(f"D{user}", key, text)]


def post(channel: str, key: str, text: str, blocks: list | None = None) -> tuple[str, str]:
    body = dict(channel=channel, text=text.rstrip("\n"), unfurl_links=False,
                metadata={"event_type": "kpibot_delivery", "event_payload": {"key": key}})
    if blocks is not None:
        body["blocks"] = blocks
    return call("chat.postMessage", **body)


# --- the fixture --------------------------------------------------------------------------------


@dataclass
class World:
    standin: RoundsStandIn
    settings: Settings
    center: Center
    engine: Engine
    people: dict

    def platforms(self) -> Platforms:
        return chat_platforms(self.settings, self.engine)

    def dying_platforms(self, key: str, on_try: int = 1) -> Platforms:
        """Slack as the rounds see it, in a process that dies while sending `key`."""
        return Platforms([DiesWhileSending(platform, key, on_try) for platform in self.platforms().all])

    def finds_chen_jing(self) -> None:
        """Slack knows Chen Jing's email: the next users.lookupByEmail answers U004."""
        self.standin.script("users.lookupByEmail", body={"ok": True, "user": {"id": "U004"}})

    def morning(self, day: date, force: bool = False) -> RoundReport:
        return morning(center=self.center, engine=self.engine, platforms=self.platforms(), day=day, force=force)

    def month_end(self, month: str) -> RoundReport:
        return month_end_round(center=self.center, engine=self.engine, platforms=self.platforms(),
                               month=Month.parse(month))

    def rounds(self) -> Rounds:
        return Rounds(self.center, self.engine, self.platforms())

    def deliveries(self) -> dict[str, tuple[str, int, str | None]]:
        """Every delivery: key -> (status, attempts, last error)."""
        with Session(self.engine) as session:
            return {d.key: (d.status, d.attempts, d.last_error)
                    for d in session.exec(select(Delivery).order_by(Delivery.id)).all()}

    def runs(self) -> list[tuple[str, str, str, str | None]]:
        """Each run with its counts as "N sent, N pending, N failed" (stored as JSON)."""
        with Session(self.engine) as session:
            return [(r.job, r.period, r.status, _counts(r.summary))
                    for r in session.exec(select(JobRun).order_by(JobRun.id)).all()]

    def after_the_lease(self) -> None:
        """As if the lease had run out: every run's heartbeat and every claim are older than it."""
        long_ago = utcnow() - LEASE - timedelta(minutes=1)
        with Session(self.engine) as session:
            session.execute(update(JobRun).values(heartbeat_at=long_ago))
            session.execute(update(Delivery).where(Delivery.claimed_at.is_not(None)).values(claimed_at=long_ago))
            session.commit()


def make_world(url: str, policy, per_second: int | None = None) -> World:
    standin = RoundsStandIn(per_second)
    engine = make_engine(url)
    settings = Settings(database_url=url, slack=SlackSettings(bot_token=TOKEN, api_url=standin.api_url, leaderboard_channel=CHANNEL))
    with Session(engine) as session:
        people = build(session, policy)
    return World(standin, settings, open_center(settings), engine, people)


@pytest.fixture
def world(database_url, policy):
    made = make_world(database_url, policy)
    yield made
    made.standin.close()
    made.engine.dispose()


@pytest.fixture
def kpibot(kpibot, world):
    """The command line against the world, on its Slack, with its leaderboard channel."""
    kpibot.env(DATABASE_URL=world.settings.database_url, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=world.standin.api_url,
               SLACK_LEADERBOARD_CHANNEL=CHANNEL)
    kpibot.tick = True
    return kpibot


def _counts(summary: str | None) -> str | None:
    if summary is None:
        return None
    counts = json.loads(summary)
    return f"{counts['sent']} sent, {counts['pending']} pending, {counts['failed']} failed"
