"""The roster import on a real database: English or Chinese headers, CSV (UTF-8, BOM, GB18030)
or XLSX; what lands in the tables; re-imports; and files that are refused whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlmodel import select

from bot.sources.rows import ImportRejected, ImportReport
from bot.store.models import Agent, Team, TeamLead
from bot.sources.roster import import_roster
from bot.sources.cells import CellError
from bot.sources.tables import FileProblem
from factories import add_agent
from files import csv_bytes, database_rows, write_csv, write_xlsx
from messages.render import describe


class Person(NamedTuple):
    employee_id: str
    name: str
    team: str | None
    role: str
    hire_date: date
    leave_date: date | None = None
    tier: str | None = None
    slack_user_id: str | None = None
    wecom_user_id: str | None = None
    email: str | None = None
    locale: str | None = None
    lead_of: tuple[str, ...] | None = None
    active: bool | None = None


PEOPLE = [
    Person("A001", "王芳", "一组", "agent", date(2024, 3, 1), slack_user_id="U001",
           wecom_user_id="wangfang", email="wangfang@example.com", locale="zh-CN", active=True),
    Person("A002", "李雷", "一组", "agent", date(2026, 10, 8), tier="new_hire", slack_user_id="U002",
           email="lilei@example.com", locale="en", active=True),
    Person("L001", "张伟", "一组", "lead", date(2019, 5, 20), slack_user_id="U101",
           wecom_user_id="zhangwei", locale="zh-CN", active=True),
    Person("L002", "赵敏", "二组", "lead", date(2021, 1, 4), slack_user_id="U102",
           lead_of=("二组", "三组"), active=True),
    Person("A003", "陈静", "二组", "agent", date(2025, 7, 1), leave_date=date(2026, 10, 31), active=False),
    Person("A004", "刘洋", "三组", "agent", date(2023, 2, 1)),
    Person("M001", "孙丽", "二组", "manager", date(2018, 8, 1), slack_user_id="U900",
           email="sunli@example.com", locale="en", active=True),
]
TEAMS = {"一组", "二组", "三组"}
LEADS = {("L001", "一组"), ("L002", "二组"), ("L002", "三组")}

HEADERS = {
    "en": dict(zip(Person._fields, Person._fields)),
    "zh": dict(zip(Person._fields, ("工号", "姓名", "班组", "角色", "入职日期", "离职日期", "人员类别",
                                    "Slack", "企业微信", "邮箱", "语言", "负责班组", "在职"))),
}
WORDS = {  # how each language's file writes roles, tiers, locales, yes/no and lists
    "en": {"agent": "agent", "lead": "Team Lead", "manager": "Manager", "admin": "admin",
           "new_hire": "new_hire", "en": "en", "zh-CN": "zh-CN", True: "yes", False: "no", "sep": ", "},
    "zh": {"agent": "客服", "lead": "班长", "manager": "主管", "admin": "管理员",
           "new_hire": "新人", "en": "英文", "zh-CN": "中文", True: "是", False: "否", "sep": "、"},
}
REQUIRED = ("employee_id", "name", "team", "role", "hire_date")
KINDS = ("csv", "bom", "gb18030", "xlsx")


def written(value, field: str, lang: str, kind: str):
    """A value as a person would type it in a `lang` file of `kind`."""
    words = WORDS[lang]
    if value is None:
        return None
    if isinstance(value, date):
        if kind == "xlsx":
            return value  # a real date cell
        return f"{value.year}年{value.month}月{value.day}日" if lang == "zh" else value.isoformat()
    if field == "lead_of":
        return words["sep"].join(value)
    if field in ("role", "tier", "locale", "active"):
        return words[value]
    return value


def roster_file(tmp_path: Path, people: list[Person], *, lang: str = "en", kind: str = "csv",
                columns: tuple[str, ...] = Person._fields, name: str = "roster") -> Path:
    rows = [[HEADERS[lang][c] for c in columns]]
    rows += [[written(getattr(p, c), c, lang, kind) for c in columns] for p in people]
    if kind == "xlsx":
        return write_xlsx(tmp_path / f"{name}.xlsx", rows)
    encoding = {"csv": "utf-8", "bom": "utf-8-sig", "gb18030": "gb18030"}[kind]
    return write_csv(tmp_path / f"{name}.csv", rows, encoding)


def changed(people: list[Person], employee_id: str, **fields) -> list[Person]:
    return [p._replace(**fields) if p.employee_id == employee_id else p for p in people]


def roster_in_db(session) -> tuple[set[str], dict[str, tuple], set[tuple[str, str]]]:
    """Teams, agents (by employee ID) and (lead, team) pairs, as plain values."""
    session.expire_all()
    teams = {t.id: t.name for t in session.exec(select(Team))}
    agents = session.exec(select(Agent)).all()
    ids = {a.id: a.employee_id for a in agents}
    return (
        set(teams.values()),
        {a.employee_id: (a.name, teams.get(a.team_id), a.role, a.hire_date, a.leave_date, a.tier,
                         a.slack_user_id, a.wecom_user_id, a.email, a.locale, a.active) for a in agents},
        {(ids[row.agent_id], teams[row.team_id]) for row in session.exec(select(TeamLead))},
    )


def expected_agents(people: list[Person]) -> dict[str, tuple]:
    return {p.employee_id: (p.name, p.team, p.role, p.hire_date, p.leave_date, p.tier, p.slack_user_id,
                            p.wecom_user_id, p.email, p.locale, p.active is not False) for p in people}


def do_import(session, center, path):
    return import_roster(session=session, center=center, path=path)


def rejected_rows(rejected: ImportRejected) -> list[tuple[int, list[tuple[str, dict]]]]:
    return [(row.line, [(p.code, p.fields) for p in row.problems]) for row in rejected.rows]


# --- good files --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_roster_lands_in_the_database(session, center, tmp_path, lang, kind):
    path = roster_file(tmp_path, PEOPLE, lang=lang, kind=kind)

    report = do_import(session, center, path)

    assert report == ImportReport("roster", read=7, added=7, updated=0, unchanged=0, ignored=[])
    assert roster_in_db(session) == (TEAMS, expected_agents(PEOPLE), LEADS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_same_roster_twice_changes_nothing_the_second_time(session, center, tmp_path, lang, kind):
    path = roster_file(tmp_path, PEOPLE, lang=lang, kind=kind)
    do_import(session, center, path)
    before = database_rows(session)

    report = do_import(session, center, path)

    assert report == ImportReport("roster", read=7, added=0, updated=0, unchanged=7, ignored=[])
    assert database_rows(session) == before


def test_a_gb18030_file_is_read_although_it_is_not_utf8(session, center, tmp_path):
    path = roster_file(tmp_path, PEOPLE, lang="zh", kind="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    do_import(session, center, path)

    assert sorted(a[0] for a in roster_in_db(session)[1].values()) == sorted(p.name for p in PEOPLE)


def test_a_tab_separated_file_is_read(session, center, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([["工号", "姓名", "班组", "角色", "入职日期"],
                                ["A001", "王芳", "一组", "客服", "2024/3/1"]], "utf-8-sig", "\t"))

    report = do_import(session, center, path)

    assert report == ImportReport("roster", read=1, added=1)
    assert roster_in_db(session)[1] == {"A001": ("王芳", "一组", "agent", date(2024, 3, 1), None, None,
                                                 None, None, None, None, True)}


@pytest.mark.parametrize(("cell", "role", "leads"), [
    ("客服", "agent", set()),
    ("客服代表", "agent", set()),
    ("坐席", "agent", set()),
    ("班长", "lead", {"一组"}),
    ("组长", "lead", {"一组"}),
    ("主管", "manager", set()),
    ("经理", "manager", set()),
    ("管理员", "admin", set()),
    ("AGENT", "agent", set()),
    ("team lead", "lead", {"一组"}),
])
def test_role_names_in_either_language(session, center, tmp_path, cell, role, leads):
    path = write_csv(tmp_path / "roster.csv", [["工号", "姓名", "班组", "角色", "入职日期"],
                                                 ["X001", "王芳", "一组", cell, "2024-03-01"]])

    do_import(session, center, path)

    _, agents, led = roster_in_db(session)
    assert agents["X001"][2] == role
    assert led == {("X001", team) for team in leads}


@pytest.mark.parametrize(("role", "lead_of", "leads"), [
    ("lead", None, {"一组"}),
    ("lead", "二组", {"二组"}),
    ("lead", "一组、二组", {"一组", "二组"}),
    ("lead", "二组;三组", {"二组", "三组"}),
    ("lead", "二组，三组", {"二组", "三组"}),
    ("manager", None, set()),
    ("manager", "二组, 三组", {"二组", "三组"}),
    ("admin", None, set()),
])
def test_a_lead_leads_their_own_team_unless_lead_of_names_others(session, center, tmp_path, role,
                                                                  lead_of, leads):
    path = write_csv(tmp_path / "roster.csv", [
        ["employee_id", "name", "team", "role", "hire_date", "lead_of"],
        ["A001", "王芳", "一组", "agent", "2024-03-01", ""],
        ["A002", "陈静", "二组", "agent", "2024-03-01", ""],
        ["A003", "刘洋", "三组", "agent", "2024-03-01", ""],
        ["B001", "张伟", "一组", role, "2019-05-20", lead_of],
    ])

    do_import(session, center, path)

    assert roster_in_db(session)[2] == {("B001", team) for team in leads}


def test_a_changed_row_counts_as_updated_and_a_new_one_as_added(session, center, tmp_path):
    do_import(session, center, roster_file(tmp_path, PEOPLE, name="first"))
    people = changed(PEOPLE, "A002", name="李蕾")
    people = changed(people, "A004", team="一组")
    people = changed(people, "L002", lead_of=("二组",))  # only who it leads changes
    people = changed(people, "L001", role="agent")  # no longer a lead
    people = people + [Person("A005", "周杰", "三组", "agent", date(2026, 11, 2))]

    report = do_import(session, center, roster_file(tmp_path, people, name="second"))

    assert report == ImportReport("roster", read=8, added=1, updated=4, unchanged=3, ignored=[])
    assert roster_in_db(session) == (TEAMS, expected_agents(people), {("L002", "二组")})


def test_a_file_without_an_optional_column_leaves_that_field_as_it_was(session, center, tmp_path):
    do_import(session, center, roster_file(tmp_path, PEOPLE, name="first"))
    people = changed(PEOPLE, "A001", name="王芳芳")

    report = do_import(session, center, roster_file(tmp_path, people, columns=REQUIRED, name="second"))

    assert report == ImportReport("roster", read=7, added=0, updated=1, unchanged=6, ignored=[])
    assert roster_in_db(session) == (TEAMS, expected_agents(people), LEADS)


@pytest.mark.parametrize(("employee_id", "column"), [
    ("A001", "slack_user_id"),
    ("A001", "wecom_user_id"),
    ("A001", "email"),
    ("A001", "locale"),
    ("A002", "tier"),
])
def test_an_empty_cell_in_a_present_optional_column_clears_it(session, center, tmp_path,
                                                              employee_id, column):
    do_import(session, center, roster_file(tmp_path, PEOPLE, name="first"))
    people = changed(PEOPLE, employee_id, **{column: None})

    report = do_import(session, center, roster_file(tmp_path, people, name="second"))

    assert roster_in_db(session) == (TEAMS, expected_agents(people), LEADS)
    assert report == ImportReport("roster", read=7, added=0, updated=1, unchanged=6, ignored=[])


def test_an_empty_leave_date_clears_an_active_agents_but_keeps_an_inactive_ones(session, center, tmp_path):
    # Cleared, an inactive agent's leave date would take them out of the months they worked.
    people = changed(PEOPLE, "A001", leave_date=date(2026, 12, 31))  # leaving at the end of the year
    do_import(session, center, roster_file(tmp_path, people, name="first"))
    people = changed(changed(people, "A001", leave_date=None), "A003", leave_date=None)

    report = do_import(session, center, roster_file(tmp_path, people, name="second"))

    agents = roster_in_db(session)[1]
    assert (report.updated, agents["A001"][4], agents["A003"][4]) == (1, None, date(2026, 10, 31))


def test_an_empty_lead_of_makes_a_lead_lead_their_own_team_only(session, center, tmp_path):
    do_import(session, center, roster_file(tmp_path, PEOPLE, name="first"))
    people = changed(PEOPLE, "L002", lead_of=None)

    report = do_import(session, center, roster_file(tmp_path, people, name="second"))

    assert report == ImportReport("roster", read=7, added=0, updated=1, unchanged=6, ignored=[])
    assert roster_in_db(session)[2] == {("L001", "一组"), ("L002", "二组")}


def test_chat_ids_can_change_hands_within_one_file(session, center, tmp_path):
    do_import(session, center, roster_file(tmp_path, PEOPLE, name="first"))
    people = changed(PEOPLE, "A001", slack_user_id="U002")
    people = changed(people, "A002", slack_user_id="U001")

    report = do_import(session, center, roster_file(tmp_path, people, name="second"))

    assert report == ImportReport("roster", read=7, added=0, updated=2, unchanged=5, ignored=[])
    assert roster_in_db(session)[1] == expected_agents(people)


def test_unknown_and_repeated_columns_are_reported_as_ignored(session, center, tmp_path):
    path = write_csv(tmp_path / "roster.csv", [
        ["工号", "姓名", "备注", "班组", "角色", "入职日期", "Shift", "", "email", "邮箱"],
        ["A001", "王芳", "夜班", "一组", "客服", "2024-03-01", "night", "", "a@example.com", "b@example.com"],
    ])

    report = do_import(session, center, path)

    assert report == ImportReport("roster", read=1, added=1, ignored=["备注", "Shift", "邮箱"])
    assert roster_in_db(session)[1]["A001"][8] == "a@example.com"


# --- managers and admins with no team ----------------------------------------------------------

TEAMLESS = [  # a real roster: the manager and the admin have no 班组
    Person("A001", "王芳", "一组", "agent", date(2024, 3, 1)),
    Person("L001", "张伟", "一组", "lead", date(2019, 5, 20)),
    Person("M001", "孙丽", None, "manager", date(2018, 8, 1), lead_of=("一组",)),
    Person("M002", "周杰", None, "admin", date(2017, 6, 1)),
]
TEAMLESS_COLUMNS = REQUIRED + ("lead_of",)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_manager_or_admin_may_have_no_team(session, center, tmp_path, lang, kind):
    path = roster_file(tmp_path, TEAMLESS, lang=lang, kind=kind, columns=TEAMLESS_COLUMNS)

    report = do_import(session, center, path)

    assert report == ImportReport("roster", read=4, added=4)
    assert roster_in_db(session) == ({"一组"}, expected_agents(TEAMLESS), {("L001", "一组"), ("M001", "一组")})
    before = database_rows(session)
    assert do_import(session, center, path) == ImportReport("roster", read=4, unchanged=4)
    assert database_rows(session) == before


def test_an_empty_team_takes_a_manager_off_their_team_and_a_team_puts_them_back(session, center, tmp_path):
    on_a_team = [p._replace(team="二组") if p.role in ("manager", "admin") else p for p in TEAMLESS]
    do_import(session, center, roster_file(tmp_path, on_a_team, columns=TEAMLESS_COLUMNS, name="first"))

    report = do_import(session, center, roster_file(tmp_path, TEAMLESS, columns=TEAMLESS_COLUMNS, name="second"))

    assert report == ImportReport("roster", read=4, updated=2, unchanged=2)
    assert roster_in_db(session) == ({"一组", "二组"}, expected_agents(TEAMLESS),
                                     {("L001", "一组"), ("M001", "一组")})
    report = do_import(session, center, roster_file(tmp_path, on_a_team, columns=TEAMLESS_COLUMNS, name="third"))
    assert (report.updated, roster_in_db(session)[1]) == (2, expected_agents(on_a_team))


@pytest.mark.parametrize(("role", "written"), [("agent", "客服"), ("lead", "班长")])
def test_an_agent_or_lead_with_no_team_is_a_bad_row(session, center, tmp_path, role, written):
    path = write_csv(tmp_path / "roster.csv", [["工号", "姓名", "班组", "角色", "入职日期"],
                                                 ["M001", "孙丽", "", "主管", "2018-08-01"],
                                                 ["X001", "王芳", "", written, "2024-03-01"]])
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [(3, [("no_team", {"column": "班组"})])]
    assert database_rows(session) == before


def test_the_no_team_reason_reads_in_both_languages():
    problem = CellError("no_team", column="班组")

    assert [describe(problem, locale, "import.reason.") for locale in ("en", "zh-CN")] == [
        "班组 is empty: agents and team leads need a team (only managers and admins may have none)",
        "班组为空：客服和班长必须有班组（只有主管和管理员可以不填）",
    ]


# --- bad rows: the whole file is refused ---------------------------------------------------------

BAD_ROWS = [  # (cells, the problems of that line)
    (["A001", "王芳", "一组", "agent", "2024-03-01", "", "U001", "", "", ""], []),
    (["A010", "马超", "一组", "agent", "2024-02-30", "", "", "", "", ""],
     [("not_date", {"column": "hire_date", "value": "2024-02-30"})]),
    (["A011", "黄忠", "一组", "boss", "2024-03-01", "", "", "", "", ""],
     [("not_choice", {"column": "role", "value": "boss", "options": "agent, lead, manager, admin"})]),
    (["A001", "王芳", "一组", "agent", "2024-03-01", "", "U005", "", "", ""],
     [("duplicate_value", {"column": "employee_id", "value": "A001", "other": 2})]),
    (["A012", "赵云", "一组", "agent", "2024-03-01", "", "U001", "", "", ""],
     [("duplicate_value", {"column": "slack_user_id", "value": "U001", "other": 2})]),
    (["A013", "魏延", "一组", "agent", "2024-03-01", "", "U900", "", "", ""],
     [("taken", {"column": "slack_user_id", "value": "U900", "holder": "X001"})]),
    (["A014", "姜维", "一组", "agent", "2025-05-01", "2025-04-30", "", "", "", ""],
     [("leave_before_hire", {})]),
    (["L010", "关羽", "一组", "lead", "2019-05-20", "", "", "", "", "九组"],
     [("unknown_team", {"value": "九组"})]),
    (["A015", "张飞", "一组", "agent", "2024-03-01", "", "", "", "", "一组"],
     [("lead_of_agent", {})]),
    (["A016", "刘备", "一组", "agent", "2024-03-01", "", "", "a016.example.com", "", ""],
     [("not_email", {"column": "email", "value": "a016.example.com"})]),
    (["A017", "孙权", "一组", "agent", "2024-03-01", "", "", "", "fr", ""],
     [("not_choice", {"column": "locale", "value": "fr", "options": "en, zh-CN"})]),
    (["A018", "", "一组", "agent", "2024-03-01", "", "", "", "", ""],
     [("empty", {"column": "name"})]),
    ([None] * 10, []),  # a blank line still counts for the line numbers
    (["A019", "曹操", "一组", "agent", "soon", "", "", "", "de", ""],
     [("not_date", {"column": "hire_date", "value": "soon"}),
      ("not_choice", {"column": "locale", "value": "de", "options": "en, zh-CN"})]),
    (["A020", "周瑜", "二组", "agent", "2024-03-01", "", "U020", "", "", ""], []),
    (["A021", "吕布", "", "agent", "2024-03-01", "", "", "", "", ""], [("no_team", {"column": "team"})]),
    (["L012", "貂蝉", "", "lead", "2019-05-20", "", "", "", "", "二组"], [("no_team", {"column": "team"})]),
    (["M010", "诸葛亮", "", "manager", "2018-08-01", "", "", "", "", ""], []),  # managers may have none
    (["X021", "董卓", "", "boss", "2024-03-01", "", "", "", "", ""],  # only the role is wrong so far
     [("not_choice", {"column": "role", "value": "boss", "options": "agent, lead, manager, admin"})]),
]
BAD_HEADER = ["employee_id", "name", "team", "role", "hire_date", "leave_date", "slack_user_id", "email",
              "locale", "lead_of"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_roster_with_bad_rows_lists_every_one_and_writes_nothing(session, center, tmp_path, kind):
    add_agent(session, "X001", team="老组", slack_user_id="U900")
    rows = [BAD_HEADER] + [cells for cells, _ in BAD_ROWS]
    path = write_xlsx(tmp_path / "roster.xlsx", rows) if kind == "xlsx" \
        else write_csv(tmp_path / "roster.csv", rows)
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected.value.code == "import.rejected"
    assert rejected.value.fields == {"file": path.name, "count": 15}
    assert rejected_rows(rejected.value) == [
        (line, problems) for line, (_, problems) in enumerate(BAD_ROWS, start=2) if problems]
    assert database_rows(session) == before


def test_a_chat_id_is_free_once_its_holder_gives_it_up_in_the_same_file(session, center, tmp_path):
    add_agent(session, "X001", team="一组", slack_user_id="U900")
    path = write_csv(tmp_path / "roster.csv", [
        ["employee_id", "name", "team", "role", "hire_date", "slack_user_id"],
        ["A001", "王芳", "一组", "agent", "2024-03-01", "U900"],
        ["X001", "Agent X001", "一组", "agent", "2020-01-01", "U901"],
    ])

    report = do_import(session, center, path)

    assert report == ImportReport("roster", read=2, added=1, updated=1, unchanged=0)
    agents = roster_in_db(session)[1]
    assert (agents["A001"][6], agents["X001"][6]) == ("U900", "U901")


def test_a_wecom_id_is_checked_like_a_slack_id(session, center, tmp_path):
    add_agent(session, "X001", team="一组", wecom_user_id="wx900")
    path = write_csv(tmp_path / "roster.csv", [
        ["工号", "姓名", "班组", "角色", "入职日期", "企业微信"],
        ["A001", "王芳", "一组", "客服", "2024-03-01", "wx900"],
        ["A002", "李雷", "一组", "客服", "2024-03-01", "wx1"],
        ["A003", "陈静", "一组", "客服", "2024-03-01", "wx1"],
    ])

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [
        (2, [("taken", {"column": "企业微信", "value": "wx900", "holder": "X001"})]),  # as the file names it
        (4, [("duplicate_value", {"column": "企业微信", "value": "wx1", "other": 3})]),
    ]


@pytest.mark.parametrize("column", ["name", "team", "lead_of"])
def test_a_value_holding_a_nul_character_is_a_bad_row(session, center, tmp_path, column):
    # PostgreSQL refuses text holding a NUL (SQLite would keep it): the row is refused on both.
    header = ["employee_id", "name", "team", "role", "hire_date"] + (["lead_of"] if column == "lead_of" else [])
    row = {"employee_id": "L001", "name": "王芳", "team": "一组", "role": "lead", "hire_date": "2024-03-01"}
    path = write_csv(tmp_path / "roster.csv", [header, [(row | {column: "一\x00组"})[name] for name in header]])
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [(2, [("nul", {"column": column})])]
    assert describe(rejected.value.rows[0].problems[0], "en", "import.reason.") == (
        f"{column} holds a NUL character, which the database cannot keep: save the file again without it")
    assert database_rows(session) == before


@pytest.mark.parametrize(("column", "most"), [("employee_id", 50), ("slack_user_id", 50)])
def test_a_value_longer_than_its_database_column_is_a_bad_row(session, center, tmp_path, column, most):
    # The tables hold 50 characters; PostgreSQL refuses a longer value with a DataError mid-write.
    values = {"employee_id": "A001", "slack_user_id": "U001"} | {column: "A" * (most + 1)}
    path = write_csv(tmp_path / "roster.csv", [
        ["employee_id", "name", "team", "role", "hire_date", "slack_user_id"],
        [values["employee_id"], "王芳", "一组", "agent", "2024-03-01", values["slack_user_id"]],
    ])
    before = database_rows(session)

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [(2, [("too_long", {"column": column, "most": most})])]
    assert database_rows(session) == before


# --- files that cannot be imported at all ------------------------------------------------------------


def _missing_english_columns(tmp_path):
    return write_csv(tmp_path / "roster.csv", [["employee_id", "name", "team"], ["A001", "王芳", "一组"]])


def _missing_chinese_column(tmp_path):
    return write_csv(tmp_path / "roster.csv", [["工号", "姓名", "班组", "角色"], ["A001", "王芳", "一组", "客服"]],
                     "gb18030")


def _empty(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"")
    return path


def _bom_only(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf")
    return path


def _empty_workbook(tmp_path):
    return write_xlsx(tmp_path / "roster.xlsx", [])


def _xlsx_named_csv(tmp_path):
    path = write_xlsx(tmp_path / "roster.xlsx", [list(REQUIRED), ["A001", "王芳", "一组", "agent",
                                                                  date(2024, 3, 1)]])
    return path.rename(tmp_path / "roster.csv")


def _csv_named_xlsx(tmp_path):
    return write_csv(tmp_path / "roster.xlsx", [list(REQUIRED), ["A001", "王芳", "一组", "agent", "2024-03-01"]])


def _utf16(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("工号\t姓名\t班组\t角色\t入职日期\r\n".encode("utf-16"))
    return path


@pytest.mark.parametrize(("make", "code", "fields"), [
    (_missing_english_columns, "import.missing_columns",
     {"file": "roster.csv", "columns": "role (角色), hire_date (入职日期)"}),
    (_missing_chinese_column, "import.missing_columns", {"file": "roster.csv", "columns": "hire_date (入职日期)"}),
    (_empty, "import.empty", {"file": "roster.csv"}),
    (_bom_only, "import.empty", {"file": "roster.csv"}),
    (_empty_workbook, "import.empty", {"file": "roster.xlsx"}),
    (_xlsx_named_csv, "import.not_csv", {"file": "roster.csv"}),
    (_csv_named_xlsx, "import.unreadable", {"file": "roster.xlsx", "reason": "BadZipFile"}),
    (_utf16, "import.unreadable", {"file": "roster.csv", "reason": "encoding"}),
])
def test_a_file_that_cannot_be_imported_is_one_problem(session, center, tmp_path, make, code, fields):
    path = make(tmp_path)
    before = database_rows(session)

    with pytest.raises(FileProblem) as problem:
        do_import(session, center, path)

    assert (problem.value.code, problem.value.fields) == (code, fields)
    assert database_rows(session) == before


def test_a_missing_file_is_named_with_its_path(session, center, tmp_path):
    path = tmp_path / "nowhere" / "roster.csv"

    with pytest.raises(FileProblem) as problem:
        do_import(session, center, path)

    assert (problem.value.code, problem.value.fields) == ("import.no_file", {"file": str(path)})


def test_a_header_only_file_imports_nothing(session, center, tmp_path):
    path = write_csv(tmp_path / "roster.csv", [list(REQUIRED)])

    assert do_import(session, center, path) == ImportReport("roster", read=0)
    assert roster_in_db(session) == (set(), {}, set())


def test_a_lead_moved_to_another_team_leads_the_new_one(session, center, tmp_path):
    # No lead_of column: L001 led their own team 一组; moved to 三组, they lead 三组 instead.
    first = [["工号", "姓名", "班组", "角色", "入职日期"], ["L001", "张伟", "一组", "班长", "2019-05-20"]]
    do_import(session, center, write_csv(tmp_path / "a.csv", first))
    moved = [first[0], ["L001", "张伟", "三组", "班长", "2019-05-20"]]

    report = do_import(session, center, write_csv(tmp_path / "b.csv", moved))

    assert (report.updated, roster_in_db(session)[2]) == (1, {("L001", "三组")})


def test_a_row_repeating_a_bad_row_is_reported_with_it(session, center, tmp_path):
    path = write_csv(tmp_path / "roster.csv", [
        ["employee_id", "name", "team", "role", "hire_date", "email"],
        ["X7", "王芳", "一组", "agent", "2024-03-01", "x7.example.com"],
        ["X7", "王芳", "一组", "agent", "2024-03-01", "x7@example.com"],
    ])

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [
        (2, [("not_email", {"column": "email", "value": "x7.example.com"})]),
        (3, [("duplicate_value", {"column": "employee_id", "value": "X7", "other": 2})]),
    ]


def test_a_row_with_more_cells_than_the_header_is_a_bad_row(session, center, tmp_path):
    path = write_csv(tmp_path / "roster.csv", [list(REQUIRED), ["A001", "王芳", "一组", "agent", "2024-03-01", "U1"]])

    with pytest.raises(ImportRejected) as rejected:
        do_import(session, center, path)

    assert rejected_rows(rejected.value) == [(2, [("extra_cells", {"values": "U1"})])]


@pytest.mark.parametrize("columns", [Person._fields, tuple(c for c in Person._fields if c != "leave_date")])
def test_an_agent_turned_inactive_is_given_the_day_before_as_leave_date(session, center, tmp_path, columns):
    do_import(session, center, roster_file(tmp_path, PEOPLE, name="first"))
    path = roster_file(tmp_path, changed(PEOPLE, "A001", active=False), columns=columns, name="second")

    report = import_roster(session=session, center=center, path=path, today=date(2026, 11, 20))

    assert (report.updated, report.left, report.left_on) == (1, ["A001"], date(2026, 11, 19))
    assert roster_in_db(session)[1]["A001"][4:] == (date(2026, 11, 19), None, "U001", "wangfang",
                                                    "wangfang@example.com", "zh-CN", False)
    before = database_rows(session)
    again = import_roster(session=session, center=center, path=path, today=date(2026, 11, 25))
    assert again == ImportReport("roster", read=7, unchanged=7)
    assert database_rows(session) == before


def test_an_agent_inactive_from_the_start_or_already_is_given_no_leave_date(session, center, tmp_path):
    add_agent(session, "A001", team="一组", active=False)
    path = roster_file(tmp_path, changed(changed(PEOPLE, "A001", active=False), "A002", active=False))

    report = import_roster(session=session, center=center, path=path, today=date(2026, 11, 20))

    agents = roster_in_db(session)[1]
    assert (report.left, agents["A001"][4], agents["A002"][4]) == ([], None, None)
