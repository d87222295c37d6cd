"""Import the roster: agents, teams and who leads which team.

Columns that the file has are the truth (an empty cell clears an optional value); columns it
lacks leave what the database holds.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.config.center import Center
from bot.sources.cells import CellError, parse_choice, parse_date
from bot.sources.rows import EMPLOYEE_ID, ImportReport, Progress, RowCheck
from bot.sources.tables import Column, cell, read_table
from bot.store.models import Agent, Team, TeamLead
from scoring.policy import Policy

ROSTER = (
    EMPLOYEE_ID,
    Column("name", ("姓名", "员工姓名"), True),
    Column("team", ("班组", "组别", "团队", "小组"), True),
    Column("role", ("角色", "岗位"), True),
    Column("hire_date", ("入职日期", "入职时间"), True),
    Column("leave_date", ("离职日期",)),
    Column("tier", ("人员类别", "考核类别")),
    Column("slack_user_id", ("slack", "slack id")),
    Column("wecom_user_id", ("企业微信", "企业微信账号", "企微账号", "wecom")),
    Column("email", ("邮箱", "电子邮箱", "e-mail")),
    Column("locale", ("语言",)),
    Column("lead_of", ("负责班组", "带领班组", "管理班组")),
    Column("active", ("在职", "状态")),
)
ROLES = {
    "agent": "agent", "客服": "agent", "客服代表": "agent", "客服专员": "agent", "坐席": "agent",
    "lead": "lead", "team lead": "lead", "班长": "lead", "组长": "lead",
    "manager": "manager", "主管": "manager", "经理": "manager",
    "admin": "admin", "管理员": "admin",
}
LOCALES = {"en": "en", "english": "en", "英文": "en", "zh-cn": "zh-CN", "zh": "zh-CN",
           "zh_cn": "zh-CN", "中文": "zh-CN", "简体中文": "zh-CN"}
ACTIVE = {"yes": "yes", "true": "yes", "y": "yes", "1": "yes", "是": "yes", "在职": "yes",
          "no": "no", "false": "no", "n": "no", "0": "no", "否": "no", "离职": "no"}
UNIQUE_IDS = ("slack_user_id", "wecom_user_id")
ROSTER_OPTIONAL = ("leave_date", "tier", "slack_user_id", "wecom_user_id", "email", "locale")
ON_A_TEAM = ("agent", "lead")  # managers and admins may have no team
_SEPARATORS = re.compile(r"[,;，；、|]")


def import_roster(*, session: Session, center: Center, path: str | Path,
                  progress: Progress | None = None, today: date | None = None) -> ImportReport:
    """Add and update agents and teams from a roster file. `today` (the center's, by default)
    dates the leave of an agent the file turns inactive without a leave date."""
    path = Path(path)
    table = read_table(path, ROSTER)
    rows = RowCheck(table, progress)
    _read_rows(rows, center.policy)
    agents = {a.employee_id: a for a in session.exec(select(Agent)).all()}
    teams = {t.name: t for t in session.exec(select(Team)).all()}
    _check_across_rows(rows, agents, set(teams))
    rows.raise_if_bad(path.name)
    report = ImportReport("roster", read=len(table.rows), ignored=table.ignored)
    _write(session, rows, agents, teams, report, (today or center.today()) - timedelta(days=1))
    session.commit()
    return report


def _parsers(policy: Policy) -> dict[str, Any]:
    tiers = {name: name for name in policy.tiers} | {"新人": "new_hire", "老人": "veteran"}
    for name, tier in policy.tiers.items():
        tiers |= {tier.label.en.lower(): name, tier.label.zh: name}
    def text(most: int):
        return lambda v, c: _text(v, c, most)

    return {
        "employee_id": text(50), "name": text(100), "team": text(100),
        "role": lambda v, c: parse_choice(v, c, ROLES),
        "hire_date": parse_date, "leave_date": parse_date,
        "tier": lambda v, c: parse_choice(v, c, tiers),
        "slack_user_id": text(50), "wecom_user_id": text(100), "email": _email,
        "locale": lambda v, c: parse_choice(v, c, LOCALES),
        "lead_of": lambda v, c: [n.strip() for n in _SEPARATORS.split(_text(v, c, None)) if n.strip()],
        "active": lambda v, c: parse_choice(v, c, ACTIVE) == "yes",
    }


def _text(value: Any, column: str, most: int | None) -> str:
    text = str(value).strip()
    if "\x00" in text:  # PostgreSQL refuses text holding one; a file with one is likely damaged
        raise CellError("nul", column=column)
    if most is not None and len(text) > most:
        raise CellError("too_long", column=column, most=most)
    return text


def _email(value: Any, column: str) -> str:
    text = _text(value, column, 200)
    if "@" not in text.strip("@"):
        raise CellError("not_email", column=column, value=text)
    return text


def _read_rows(rows: RowCheck, policy: Policy) -> None:
    parsers = _parsers(policy)
    for line, cells in rows.each():
        values = rows.read(line, cells, parsers, ("employee_id", "name", "role", "hire_date"))
        if values["role"] in ON_A_TEAM and cell(rows.table, cells, "team") is None:
            rows.reject(line, "no_team", column=rows.table.headers["team"])
        if values["leave_date"] and values["hire_date"] and values["leave_date"] < values["hire_date"]:
            rows.reject(line, "leave_before_hire")
        if values["lead_of"] and values["role"] == "agent":
            rows.reject(line, "lead_of_agent")
        rows.parsed.append((line, values))


def _check_across_rows(rows: RowCheck, agents: dict[str, Agent], teams: set[str]) -> None:
    """Employee IDs once per file; chat IDs once across file and database; led teams exist.
    Bad rows are checked too, so that a row repeating one is reported with it."""
    in_file = {values["employee_id"] for _, values in rows.parsed}
    holders = {(c, getattr(a, c)): a.employee_id for a in agents.values() for c in UNIQUE_IDS
               if getattr(a, c) and (a.employee_id not in in_file or c not in rows.table.columns)}
    teams = teams | _named_teams(rows)
    for line, values in rows.parsed:
        for column in ("employee_id", *UNIQUE_IDS):
            if values[column] is None:
                continue
            key, header = (column, values[column]), rows.table.headers.get(column, column)
            if (rows.is_first(line, key, "duplicate_value", column=header, value=values[column])
                    and holders.get(key, values["employee_id"]) != values["employee_id"]):
                rows.reject(line, "taken", column=header, value=values[column], holder=holders[key])
        for name in values["lead_of"] or []:
            if name not in teams:
                rows.reject(line, "unknown_team", value=name)


def _named_teams(rows: RowCheck) -> set[str]:
    """The teams the file's rows are on (a manager or admin may be on none)."""
    return {values["team"] for _, values in rows.parsed if values["team"] is not None}


def _write(session: Session, rows: RowCheck, agents: dict[str, Agent], teams: dict[str, Team],
           report: ImportReport, yesterday: date) -> None:
    present = set(rows.table.columns)
    for name in _named_teams(rows) - set(teams):
        teams[name] = Team(name=name)
        session.add(teams[name])
    session.flush()
    wanted = {values["employee_id"]: _fields(values, teams, present) for _, values in rows.parsed}
    report.left = _date_leaving(wanted, agents, yesterday)
    report.left_on = yesterday if report.left else None
    added = set(wanted) - set(agents)
    changed = {e for e in set(wanted) - added
               if any(getattr(agents[e], k) != v for k, v in wanted[e].items())}
    old_teams = {e: agents[e].team_id for e in changed}
    _release_moved_ids(session, {e: wanted[e] for e in changed}, agents)
    for employee_id in added:
        agents[employee_id] = Agent(employee_id=employee_id, **wanted[employee_id])
        session.add(agents[employee_id])
    for employee_id in changed:
        for k, v in wanted[employee_id].items():
            setattr(agents[employee_id], k, v)
    session.flush()
    changed |= _write_leads(session, rows, agents, teams, old_teams)
    report.added, report.updated = len(added), len(changed - added)
    report.unchanged = len(rows.parsed) - report.added - report.updated


def _fields(values: dict[str, Any], teams: dict[str, Team], present: set[str]) -> dict[str, Any]:
    """The agent's columns as the file has them (absent optional columns are left out)."""
    team = teams[values["team"]].id if values["team"] is not None else None
    fields = {"name": values["name"], "team_id": team, "role": values["role"], "hire_date": values["hire_date"]}
    fields |= {c: values[c] for c in ROSTER_OPTIONAL if c in present}
    if "active" in present:
        fields["active"] = values["active"] is not False
    return fields


def _date_leaving(wanted: dict[str, dict[str, Any]], agents: dict[str, Agent], yesterday: date) -> list[str]:
    """Give a leave date to the inactive rows that have none, so that the months they worked keep
    them (an inactive agent with no leave date is in no month): the one already recorded, or, for
    an agent the file turns inactive, `yesterday`. Returns the employee IDs given `yesterday`."""
    dated = []
    for employee_id, fields in wanted.items():
        agent = agents.get(employee_id)
        if agent is None or fields.get("active", True) or fields.get("leave_date") is not None:
            continue
        if agent.leave_date is not None:
            fields["leave_date"] = agent.leave_date
        elif agent.active and fields["hire_date"] <= yesterday:
            fields["leave_date"] = yesterday
            dated.append(employee_id)
    return sorted(dated)


def _release_moved_ids(session: Session, changes: dict[str, dict[str, Any]],
                       agents: dict[str, Agent]) -> None:
    """Clear chat IDs that move between agents first, so the unique columns never clash mid-write."""
    moving = False
    for employee_id, fields in changes.items():
        for column in UNIQUE_IDS:
            if column in fields and getattr(agents[employee_id], column) != fields[column]:
                setattr(agents[employee_id], column, None)
                moving = True
    if moving:
        session.flush()


def _write_leads(session: Session, rows: RowCheck, agents: dict[str, Agent], teams: dict[str, Team],
                 old_teams: dict[str, int | None]) -> set[str]:
    """Set who leads which team; returns the employee IDs whose teams changed."""
    led: dict[int, set[int]] = {}
    for row in session.exec(select(TeamLead)).all():
        led.setdefault(row.agent_id, set()).add(row.team_id)
    has_column = "lead_of" in rows.table.columns
    changed = set()
    for _, values in rows.parsed:
        agent = agents[values["employee_id"]]
        now = led.get(agent.id, set())
        wanted = _wanted_teams(values, teams, now if not has_column else None,
                               old_teams.get(agent.employee_id))
        if wanted == now:
            continue
        for team_id in now - wanted:
            session.delete(session.get(TeamLead, (agent.id, team_id)))
        session.add_all(TeamLead(agent_id=agent.id, team_id=t) for t in wanted - now)
        changed.add(agent.employee_id)
    return changed


def _wanted_teams(values: dict[str, Any], teams: dict[str, Team], kept: set[int] | None,
                  old_team: int | None) -> set[int]:
    """The teams lead_of names. Without a lead_of column (`kept` is what the database has),
    what was there stays; either way a lead leads their own team, and agents lead none."""
    if values["role"] == "agent":
        return set()
    if values["lead_of"]:
        return {teams[name].id for name in values["lead_of"]}
    kept = (kept or set()) - {old_team}
    return kept | {teams[values["team"]].id} if values["role"] == "lead" else kept
