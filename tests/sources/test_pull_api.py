"""The stats pull from an HTTP JSON API (KPIBOT_STATS_SOURCE with {date} and {page}): the last
working day and today, every page, with the auth header from KPIBOT_STATS_AUTH and the source's
field names from KPIBOT_STATS_FIELDS. Bad records are left out with their reasons and the rest
lands; a source that is down, slow or garbled is tried again and then reported, and the numbers
already in stay. The API is a local stand-in on 127.0.0.1 (tests/support/cti_standin.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlmodel import Session

from cti_standin import TOKEN, Cti
from factories import add_agent
from files import stored_days

AT = "2026-11-24T07:00:00Z"  # Tuesday 24 November 2026, 15:00 in Shanghai: Monday was the last working day
FIELDS = "employee_id=agent_no,date=stat_date,calls=call_count,talk_seconds=talk_time"


def record(agent: str, day: str, calls, talk) -> dict:
    return {"agent_no": agent, "stat_date": day, "call_count": calls, "talk_time": talk, "team": "一组"}


MONDAY = [record("A001", "2026-11-23", 61, 9000), record("A002", "2026-11-23", 48, 7260),
          record("A003", "2026-11-23", 55, 8100)]
TUESDAY = [record("A001", "2026-11-24", 30, 4000), record("A002", "2026-11-24", 22, 3000)]



@pytest.fixture
def roster(engine):
    with Session(engine) as session:
        for employee_id in ("A001", "A002", "A003"):
            add_agent(session, employee_id, hire_date=date(2024, 3, 1))


@pytest.fixture
def cti() -> Iterator[Cti]:
    server = Cti(records={"2026-11-23": list(MONDAY), "2026-11-24": list(TUESDAY)})
    yield server
    server.close()


@pytest.fixture
def kpibot(kpibot, cti):
    kpibot.at = AT
    kpibot.env(KPIBOT_STATS_SOURCE=cti.url + "/api/stats?date={date}&page={page}",
               KPIBOT_STATS_AUTH=f"Authorization: Bearer {TOKEN}", KPIBOT_STATS_FIELDS=FIELDS)
    return kpibot


def name(cti: Cti, day: str) -> str:
    return f"{cti.url}/api/stats?date={day}&page={{page}}"


def test_every_page_of_both_days_is_pulled_with_the_auth_header_and_pulling_again_changes_nothing(
        kpibot, roster, cti, engine):
    assert kpibot("jobs", "run", "pull") == (0, (
        f"{name(cti, '2026-11-23')}: read 3 rows: 3 added, 0 updated.\n"
        f"{name(cti, '2026-11-24')}: read 2 rows: 2 added, 0 updated.\n"), "")
    assert stored_days(engine) == {("A001", "2026-11-23"): (61, 9000), ("A002", "2026-11-23"): (48, 7260),
                             ("A003", "2026-11-23"): (55, 8100), ("A001", "2026-11-24"): (30, 4000),
                             ("A002", "2026-11-24"): (22, 3000)}
    # Two to a page: Monday's three records on pages 1 and 2, where the total is reached.
    assert [a.path for a in cti.asked] == [
        "/api/stats?date=2026-11-23&page=1", "/api/stats?date=2026-11-23&page=2",
        "/api/stats?date=2026-11-24&page=1"]
    assert {a.auth for a in cti.asked} == {f"Bearer {TOKEN}"}

    assert kpibot("jobs", "run", "pull", at="2026-11-24T07:30:00Z") == (0, (
        f"{name(cti, '2026-11-23')}: imported before.\n{name(cti, '2026-11-24')}: imported before.\n"), "")
    assert len(stored_days(engine)) == 5


@pytest.mark.parametrize(("paging", "source", "asked"), [
    ("bare", "/api/stats?date={date}&page={page}",  # no total: an empty page ends the day
     ["/api/stats?date=2026-11-23&page=1", "/api/stats?date=2026-11-23&page=2", "/api/stats?date=2026-11-23&page=3"]),
    ("next", "/api/stats?date={date}",  # each page links the next, the last none
     ["/api/stats?date=2026-11-23", "/api/stats?date=2026-11-23&page=2"]),
    ("bare", "/api/stats?date={date}&offset={offset}",
     ["/api/stats?date=2026-11-23&offset=0", "/api/stats?date=2026-11-23&offset=2",
      "/api/stats?date=2026-11-23&offset=3"]),
])
def test_every_way_of_paging_gets_every_record(kpibot, roster, cti, engine, paging, source, asked):
    cti.paging = paging
    assert kpibot("jobs", "run", "pull", KPIBOT_STATS_SOURCE=cti.url + source)[0] == 0
    assert [a.path for a in cti.asked if "2026-11-23" in a.path] == asked
    assert len(stored_days(engine)) == 5


def test_the_total_beside_the_records_ends_the_paging_wherever_the_answer_keeps_them(kpibot, roster, cti, engine):
    cti.under = "result"  # {"code": 0, "result": {"list": [...], "total": 3}}
    assert kpibot("jobs", "run", "pull")[0] == 0
    assert [a.path for a in cti.asked] == [
        "/api/stats?date=2026-11-23&page=1", "/api/stats?date=2026-11-23&page=2",
        "/api/stats?date=2026-11-24&page=1"]
    assert len(stored_days(engine)) == 5


def test_an_api_that_repeats_its_last_page_past_the_end_is_read_once(kpibot, roster, cti, engine):
    cti.paging = "bare"
    cti.answer_past_end = True
    assert kpibot("jobs", "run", "pull")[0] == 0
    assert stored_days(engine)[("A003", "2026-11-23")] == (55, 8100)
    assert len(stored_days(engine)) == 5


def test_a_later_pull_replaces_the_days_numbers_it_does_not_add_to_them(kpibot, roster, cti, engine):
    assert kpibot("jobs", "run", "pull")[0] == 0
    cti.records["2026-11-24"] = [record("A001", "2026-11-24", 41, 5500), record("A002", "2026-11-24", 22, 3000),
                                 record("A003", "2026-11-24", 9, 700)]

    assert kpibot("jobs", "run", "pull", at="2026-11-24T08:00:00Z") == (0, (
        f"{name(cti, '2026-11-23')}: imported before.\n"
        f"{name(cti, '2026-11-24')}: read 3 rows: 1 added, 1 updated.\n"), "")
    assert {k: v for k, v in stored_days(engine).items() if k[1] == "2026-11-24"} == {
        ("A001", "2026-11-24"): (41, 5500), ("A002", "2026-11-24"): (22, 3000), ("A003", "2026-11-24"): (9, 700)}


def test_chinese_keys_are_known_without_a_mapping_and_talk_time_may_be_h_mm_ss(kpibot, roster, cti, engine):
    cti.records = {"2026-11-24": [{"工号": "A001", "日期": "2026-11-24", "通话次数": 12, "通话时长": "1:02:30"},
                                  {"工号": "A002", "日期": "20261124", "通话次数": "9", "通话时长": 47.5}]}
    assert kpibot("jobs", "run", "pull", KPIBOT_STATS_FIELDS=None)[0] == 0
    assert stored_days(engine) == {("A001", "2026-11-24"): (12, 3750), ("A002", "2026-11-24"): (9, 2850)}


def test_bad_records_are_left_out_with_their_reasons_and_the_rest_lands(kpibot, roster, cti, engine):
    cti.records["2026-11-24"] = [
        record("A001", "2026-11-24", 30, 4000),
        record("Z999", "2026-11-24", 10, 600),  # not on the roster
        record("A002", "2026-11-24", -3, 600),  # a negative count
        record("A003", "2026-11-24", 5, 90000),  # more than 24 hours of talk in a day
        record("A003", "2026-11-25", 5, 600),  # a day to come
    ]
    code, out, err = kpibot("jobs", "run", "pull")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [
        f"{name(cti, '2026-11-24')}: read 5 rows: 1 added, 0 updated; 4 bad rows left out:",
        "  record 2: employee Z999 is not on the roster (import the roster first: kpibot roster import FILE)",
        "  record 3: call_count '-3' is not a whole number of 0 or more",
        "  record 4: talk_time '90000' is more than 86400",
        "  record 5: date 2026-11-25 is in the future",
    ]
    assert ("A001", "2026-11-24") in stored_days(engine) and len(stored_days(engine)) == 4  # Monday's three and A001's

    _, status, _ = kpibot("jobs", "status")
    assert f"{name(cti, '2026-11-24')} · 5 rows, 1 added, 0 updated, 4 bad rows left out" in status


def test_refused_credentials_are_reported_at_once_and_not_tried_again(kpibot, roster, cti, engine):
    refused = "not imported: the source refused kpibot's credentials (HTTP 401): check KPIBOT_STATS_AUTH"
    assert kpibot("jobs", "run", "pull", KPIBOT_STATS_AUTH="Authorization: Bearer wrong") == (1, (
        f"{name(cti, '2026-11-23')}: {refused}\n{name(cti, '2026-11-24')}: {refused}\n"), "")
    assert len(cti.asked) == 2 and stored_days(engine) == {}


@pytest.mark.parametrize("trouble", ["slow", 500, 503, "html", "cut"])
def test_a_source_down_slow_or_garbled_is_tried_again_and_then_lands(kpibot, roster, cti, engine, trouble):
    cti.script = [trouble, trouble]  # the first two tries of Monday's first page
    assert kpibot("jobs", "run", "pull", KPIBOT_STATS_TIMEOUT="1")[0] == 0
    assert [a.path for a in cti.asked[:3]] == ["/api/stats?date=2026-11-23&page=1"] * 3
    assert len(stored_days(engine)) == 5


@pytest.mark.parametrize(("trouble", "error"), [
    (500, "the source answered HTTP 500 in 3 tries"),
    ("slow", "the source did not answer within 1 s (KPIBOT_STATS_TIMEOUT) in 3 tries"),
    ("html", "the source answered HTML that cannot be read, in 3 tries"),
    ("cut", "the source answered JSON that cannot be read, in 3 tries"),
])
def test_a_source_still_down_after_its_tries_is_reported_and_the_numbers_in_stay(kpibot, roster, cti, engine,
                                                                                trouble, error):
    assert kpibot("jobs", "run", "pull")[0] == 0
    before = stored_days(engine)
    cti.records["2026-11-24"] = [record("A001", "2026-11-24", 99, 9999)]
    cti.script = [trouble] * 3  # Monday's three tries; Tuesday answers

    code, out, _ = kpibot("jobs", "run", "pull", at="2026-11-24T08:00:00Z", KPIBOT_STATS_TIMEOUT="1")
    assert code == 1
    assert out.splitlines()[0] == (f"{name(cti, '2026-11-23')}: not imported: {error}; the numbers already in "
                                   "stay as they were")
    assert stored_days(engine)[("A001", "2026-11-23")] == before[("A001", "2026-11-23")]
    assert stored_days(engine)[("A001", "2026-11-24")] == (99, 9999)  # the other day still came


def test_an_answer_without_records_where_they_are_said_to_be_is_reported(kpibot, roster, cti, engine):
    code, out, _ = kpibot("jobs", "run", "pull", KPIBOT_STATS_RECORDS="data.rows")
    assert code == 1
    assert out.splitlines()[0] == (
        f"{name(cti, '2026-11-23')}: not imported: the JSON answer has no list of records at 'data.rows' (it has "
        "code, data): set KPIBOT_STATS_RECORDS to where they are, such as data.list")
    assert stored_days(engine) == {}


def test_call_records_from_the_api_count_a_call_seen_twice_once(kpibot, roster, cti, engine):
    def call(call_id, agent, at, seconds):
        return {"callId": call_id, "agentNo": agent, "startTime": at, "billsec": seconds}

    cti.records = {"2026-11-24": [
        call("c1", "A001", "2026-11-24 09:01:00", 120), call("c2", "A001", "2026-11-24 09:10:00", 60),
        call("c2", "A001", "2026-11-24 09:10:00", 60),  # the page boundary moved while paging
        call("c3", "A002", "2026-11-24T02:00:00Z", 300),  # 10:00 in Shanghai
        call("c4", "A002", 1795489200000, 40),  # milliseconds since 1970: 11:00 in Shanghai
        call("c5", "A002", "1795453200", 20),  # seconds: 01:00 on the 24th in Shanghai
    ]}
    code, out, _ = kpibot("jobs", "run", "pull", KPIBOT_STATS_FORMAT="cdr",
                          KPIBOT_STATS_FIELDS="call_id=callId,employee_id=agentNo,started_at=startTime,"
                                              "talk_seconds=billsec")
    assert code == 0
    assert stored_days(engine) == {("A001", "2026-11-24"): (2, 180), ("A002", "2026-11-24"): (3, 360)}
    assert out.splitlines()[1:] == [
        f"{name(cti, '2026-11-24')}: read 6 rows: 2 added, 0 updated; 1 bad row left out:",
        "  record 3: call ID c2 repeats record 2"]
