"""A sample center: three teams of mixed tenure, a month and a half of stats, some points."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert
from sqlmodel import Session

from bot.config.center import Center
from bot.store.models import Agent, DailyStat, LedgerEntry, Team, TeamLead
from scoring.calendar import Month

# (Chinese, pinyin) so the sample reads naturally in either language.
NAMES = [
    ("王芳", "Wang Fang"), ("李娜", "Li Na"), ("张伟", "Zhang Wei"), ("刘洋", "Liu Yang"),
    ("陈静", "Chen Jing"), ("杨帆", "Yang Fan"), ("赵磊", "Zhao Lei"), ("黄敏", "Huang Min"),
    ("周杰", "Zhou Jie"), ("吴婷", "Wu Ting"), ("徐强", "Xu Qiang"), ("孙丽", "Sun Li"),
    ("马超", "Ma Chao"), ("朱琳", "Zhu Lin"), ("胡军", "Hu Jun"), ("郭燕", "Guo Yan"),
    ("何平", "He Ping"), ("高洁", "Gao Jie"), ("林峰", "Lin Feng"), ("罗娟", "Luo Juan"),
    ("郑浩", "Zheng Hao"), ("梁雪", "Liang Xue"), ("谢斌", "Xie Bin"), ("宋佳", "Song Jia"),
    ("唐亮", "Tang Liang"), ("韩梅", "Han Mei"), ("冯刚", "Feng Gang"), ("邓霞", "Deng Xia"),
    ("曹阳", "Cao Yang"), ("彭丹", "Peng Dan"),
]
LEADS = [("许晨", "Xu Chen"), ("苏宁", "Su Ning"), ("蒋涛", "Jiang Tao")]
TEAMS = [("一组", "Team 1"), ("二组", "Team 2"), ("三组", "Team 3")]
ENTRIES = [("late", -2), ("phone", -1), ("call", 1), ("chat", -2), ("letter", 2), ("early", -3),
           ("snack", -1), ("skills", 2), ("handover", -2), ("missed", -10), ("refusal", -5)]


@dataclass(frozen=True)
class Demo:
    day: date  # the demo's "today": the morning the nudges are for
    first: date
    last: date
    agents: list[Agent]
    leads: list[Agent]
    teams: list[Team]


def build_demo(*, session: Session, center: Center, day: date, seed: int = 7) -> Demo:
    """Fill an empty database with a sample center whose stats run up to the day before `day`."""
    rng = random.Random(seed)
    zh = center.settings.locale == "zh-CN"
    first = Month.of(day).previous().first
    teams = [Team(name=zh_name if zh else en_name) for zh_name, en_name in TEAMS]
    session.add_all(teams)
    session.flush()
    leads = [_person(session, f"L{n + 1:02d}", pair, zh, team, "lead", date(2019, 3, 1))
             for n, (pair, team) in enumerate(zip(LEADS, teams, strict=True))]
    session.add(_person(session, "M01", ("钱明", "Qian Ming"), zh, teams[0], "manager", date(2017, 6, 1)))
    session.add_all(TeamLead(agent_id=lead.id, team_id=team.id) for lead, team in zip(leads, teams, strict=True))
    agents = [_person(session, f"A{n + 1:03d}", pair, zh, teams[n % 3], "agent",
                      _hire_date(n, day, first, rng)) for n, pair in enumerate(NAMES)]
    _stats(session, center, agents, first, day - timedelta(days=1), rng)
    _entries(session, agents, leads, first, day - timedelta(days=1), rng)
    session.commit()
    return Demo(day, first, day - timedelta(days=1), agents, leads, teams)


def _person(session: Session, employee_id: str, pair: tuple[str, str], zh: bool, team: Team,
            role: str, hired: date) -> Agent:
    agent = Agent(employee_id=employee_id, name=pair[0] if zh else pair[1], team_id=team.id,
                  role=role, hire_date=hired, slack_user_id=f"U{employee_id}",
                  locale="zh-CN" if zh else "en")
    session.add(agent)
    session.flush()
    return agent


def _hire_date(n: int, day: date, first: date, rng: random.Random) -> date:
    """Mostly veterans; a few new hires, one who joined mid last month, one still in week one."""
    if n == 29:
        return day - timedelta(days=3)
    if n == 28:
        return first + timedelta(days=12)
    if n >= 24:
        return day - timedelta(days=rng.randint(40, 80))
    return date(day.year - rng.randint(1, 5), rng.randint(1, 12), rng.randint(1, 28))


def _stats(session: Session, center: Center, agents: list[Agent], first: date, last: date,
           rng: random.Random) -> None:
    rows = []
    for agent in agents:
        skill = rng.uniform(0.82, 1.18)
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            if day < agent.hire_date or not center.calendar.is_working_day(day) or rng.random() < 0.04:
                continue
            calls = max(0, round(rng.gauss(58, 7) * skill))
            minutes = calls * rng.gauss(2.55, 0.25)
            rows.append({"agent_id": agent.id, "day": day, "calls": calls,
                         "talk_seconds": round(minutes * 60), "members": round(calls * rng.uniform(0.4, 0.6))})
    session.execute(insert(DailyStat), rows)


def _entries(session: Session, agents: list[Agent], leads: list[Agent], first: date, last: date,
             rng: random.Random) -> None:
    """Deductions and awards for the veterans, and one of them undone."""
    span = (last - first).days
    entries = []
    for _ in range(24):
        n = rng.randrange(24)
        code, points = rng.choice(ENTRIES)
        entries.append(LedgerEntry(agent_id=agents[n].id, day=first + timedelta(days=rng.randint(0, span)),
                                   points=points, code=code, reason="", author_id=leads[n % 3].id))
    session.add_all(entries)
    session.flush()
    undone = entries[0]
    session.add(LedgerEntry(agent_id=undone.agent_id, day=undone.day, points=0, code=undone.code,
                            reason="", author_id=undone.author_id, revokes_id=undone.id))
