"""A center of every kind of agent, written straight into the tables, for tests that compare whole
rounds: veterans and new hires (hired long ago, within probation, in the month, in its first
week's last days, after it), leavers (before, in and after the month), tier overrides, inactive
rows, agents with no numbers, days before the hire date and on rest days, members or none, and
deductions and awards over three months, some of them undone. Leads of one team or two, an
inactive lead, two managers, an admin; English and Chinese readers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert
from sqlmodel import Session

from bot.store.models import Agent, DailyStat, LedgerEntry, Team, TeamLead, utcnow
from scoring.calendar import Month

TEAMS, PER_TEAM = 12, 11
HIRED = (date(2023, 5, 8), date(2025, 12, 31), date(2026, 6, 1), date(2026, 8, 14), date(2026, 9, 2),
         date(2026, 9, 28), date(2026, 10, 19), date(2026, 11, 1), date(2026, 11, 3), date(2026, 11, 10),
         date(2026, 11, 25), date(2026, 11, 30), date(2026, 12, 3))
LEFT = (None,) * 12 + (date(2026, 8, 20), date(2026, 9, 4), date(2026, 9, 30), date(2026, 10, 27),
                       date(2026, 11, 2), date(2026, 11, 13), date(2026, 11, 30), date(2026, 12, 18))
CODES = (None, None, "late", "refusal", "missed", "chat", "contest", "skills")
FIRST, LAST = date(2026, 8, 25), date(2026, 12, 4)  # the days numbers are written for


def fill_mixed(engine, seed: int = 7) -> dict[str, int]:
    """The center; the ID of each person by employee ID."""
    rng = random.Random(seed)
    people = _people(rng)
    with Session(engine) as session:
        session.execute(insert(Team), [{"id": t + 1, "name": f"Team {chr(65 + t)}"} for t in range(TEAMS)])
        session.execute(insert(Agent), people)
        ids = {p["employee_id"]: p["id"] for p in people}
        session.execute(insert(TeamLead), _leads(ids))
        session.execute(insert(DailyStat), _days(rng, people))
        _ledger(session, rng, people, ids)
        session.commit()
    return ids


def _people(rng: random.Random) -> list[dict]:
    people = []
    for n in range(TEAMS * PER_TEAM):
        hired, left = rng.choice(HIRED), rng.choice(LEFT)
        if left is not None and left < hired:
            left = None
        people.append(dict(
            employee_id=f"A{n:03d}", name=rng.choice(("Wang", "Li", "Zhang", "刘", "陈")) + f" {n}",
            team_id=n // PER_TEAM + 1, role="agent", hire_date=hired, leave_date=left,
            tier=rng.choice((None,) * 8 + ("new_hire", "veteran")),
            locale=rng.choice((None, None, "en", "zh-CN")),
            active=left is None or left >= date(2026, 12, 1) or rng.random() < 0.3))
    people[5]["active"] = False  # off the roster with no leave date: not assessed at all
    for t in range(TEAMS):
        people.append(dict(employee_id=f"L{t:02d}", name=f"Lead {t}", team_id=t + 1, role="lead",
                           hire_date=date(2022, 1, 4), locale=("zh-CN" if t % 3 == 0 else None), active=t != 7))
    people += [dict(employee_id="M01", name="Manager One", team_id=None, role="manager", hire_date=date(2021, 3, 1)),
               dict(employee_id="M02", name="经理二", team_id=None, role="manager", hire_date=date(2021, 3, 1),
                    locale="zh-CN"),
               dict(employee_id="ADM", name="Admin", team_id=None, role="admin", hire_date=date(2021, 3, 1))]
    for n, person in enumerate(people):
        person.setdefault("leave_date", None)
        person.setdefault("tier", None)
        person.setdefault("locale", None)
        person.setdefault("active", True)
        person["id"] = n + 1
    return people


def _leads(ids: dict[str, int]) -> list[dict]:
    rows = [{"agent_id": ids[f"L{t:02d}"], "team_id": t + 1} for t in range(TEAMS)]
    rows.append({"agent_id": ids["L01"], "team_id": 5})  # one lead of two teams
    return rows


def _days(rng: random.Random, people: list[dict]) -> list[dict]:
    rows, now = [], utcnow()
    for person in people:
        if person["role"] != "agent" or rng.random() < 0.05:
            continue  # leads send no numbers; a few agents never did
        pace = rng.choice((0.2, 0.7, 0.95, 1.0, 1.1))
        day = FIRST
        while day <= LAST:
            if rng.random() < 0.85:
                rows.append({"agent_id": person["id"], "day": day, "calls": round(60 * pace * rng.uniform(0.7, 1.3)),
                             "talk_seconds": round(9000 * pace * rng.uniform(0.7, 1.3)),
                             "members": rng.choice((None, rng.randint(0, 40))), "updated_at": now})
            day += timedelta(days=1)
    return rows


def _ledger(session: Session, rng: random.Random, people: list[dict], ids: dict[str, int]) -> None:
    now, agents = utcnow(), [p for p in people if p["role"] == "agent"]
    for month in (Month(2026, 7), Month(2026, 8), Month(2026, 9), Month(2026, 10), Month(2026, 11)):
        for person in rng.sample(agents, len(agents) * 2 // 3):
            for _ in range(rng.randint(1, 4)):
                code = rng.choice(CODES)
                points = rng.choice((-20, -20, -10, -10, -5, -3, -2, 1, 2, 5))
                entry = session.execute(insert(LedgerEntry).returning(LedgerEntry.id), [{
                    "agent_id": person["id"], "day": month.first + timedelta(days=rng.randint(0, 27)),
                    "points": points, "code": code if code else None, "reason": "" if code else "by hand",
                    "author_id": ids[f"L{(person['team_id'] - 1):02d}"] if rng.random() < 0.9 else None,
                    "created_at": now}]).scalar_one()
                if rng.random() < 0.15:  # undone, sometimes in a later month
                    session.execute(insert(LedgerEntry), [{
                        "agent_id": person["id"], "day": month.last, "points": 0, "reason": "undo",
                        "author_id": ids["M01"], "created_at": now, "revokes_id": entry}])
