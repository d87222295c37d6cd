"""The stats pull (`kpibot jobs run pull`, and the scheduler's pulls) from a drop folder or from
a URL that answers a file: KPIBOT_STATS_SOURCE is the folder the call-center system exports
into, or an http(s) URL with {date}. A file in the folder is taken once it has stopped changing,
imported (bad rows left out with their reasons, the rest landing), and moved aside: to done/,
or to failed/ when it cannot be read at all. Content already pulled is not imported again, and
the command exits 1 while anything could not be imported, so that cron notices.
`kpibot jobs status` lists the last pulls.

Everything goes through bot.cli.main on a real SQLite database; the URL source is a real
http.server on 127.0.0.1. (The JSON API: test_pull_api.py; a database: test_pull_database.py.)"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.sources import folder
from bot.store.models import StatsPull
from factories import add_agent
from files import csv_bytes, stored_days, write_csv, write_xlsx

HEADER = ["日期", "工号", "通话次数", "通话时长"]  # date, employee ID, calls, talk minutes
FRIDAY = [HEADER, ["2026-11-20", "A001", "62", "151.5"], ["2026-11-20", "A002", "40", "95"]]
MONDAY = [HEADER, ["2026-11-23", "A001", "58", "140.25"], ["2026-11-23", "A002", "52", "121.75"]]
# Tuesday 24 November 2026, 08:30 in Shanghai (the policy's pull time), and later that morning.
PULL_AT = "2026-11-24T00:30:00Z"


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    """A file is taken once it has looked the same for 0.2 s."""
    monkeypatch.setattr(folder, "SETTLE_SECONDS", 0.2)


@pytest.fixture
def roster(engine):
    with Session(engine) as session:
        add_agent(session, "A001", hire_date=date(2024, 3, 1))
        add_agent(session, "A002", hire_date=date(2024, 3, 1))


@pytest.fixture
def kpibot(kpibot):
    """The command line at the moment the pull runs."""
    kpibot.at = PULL_AT
    return kpibot


@pytest.fixture
def exports(tmp_path, monkeypatch) -> Path:
    """The folder the call-center system exports into, named by KPIBOT_STATS_SOURCE."""
    drop = tmp_path / "exports"
    drop.mkdir()
    monkeypatch.setenv("KPIBOT_STATS_SOURCE", str(drop))
    return drop


def pulls(engine) -> list[tuple[str, int, int, int, int, str | None]]:
    with Session(engine) as session:
        rows = session.exec(select(StatsPull).order_by(StatsPull.id)).all()
    return [(p.name, p.rows, p.added, p.updated, p.skipped, p.error) for p in rows]


def files(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


# --- a drop folder ------------------------------------------------------------------------


def test_each_file_is_imported_once_and_moved_aside(kpibot, roster, exports, engine):
    write_csv(exports / "2026-11-20.csv", FRIDAY)
    write_csv(exports / "2026-11-23.csv", MONDAY)
    (exports / "README.txt").write_text("exports land here\n")  # not a stats file: left alone

    assert kpibot("jobs", "run", "pull") == (0, "2026-11-20.csv: read 2 rows: 2 added, 0 updated.\n"
                                                "2026-11-23.csv: read 2 rows: 2 added, 0 updated.\n", "")
    assert stored_days(engine) == {("A001", "2026-11-20"): (62, 9090), ("A002", "2026-11-20"): (40, 5700),
                             ("A001", "2026-11-23"): (58, 8415), ("A002", "2026-11-23"): (52, 7305)}
    assert files(exports) == ["README.txt", "done/2026-11-20.csv", "done/2026-11-23.csv"]

    assert kpibot("jobs", "run", "pull", at="2026-11-24T01:30:00Z") == (0, "Nothing new in the stats source.\n", "")


def test_a_newer_export_of_a_day_replaces_its_numbers_and_the_same_one_again_changes_nothing(
        kpibot, roster, exports, engine):
    write_csv(exports / "2026-11-23.csv", MONDAY)
    assert kpibot("jobs", "run", "pull")[0] == 0

    # The system exports Monday again, one agent's calls corrected.
    write_csv(exports / "2026-11-23.csv", [HEADER, MONDAY[1], ["2026-11-23", "A002", "55", "121.75"]])
    assert kpibot("jobs", "run", "pull", at="2026-11-24T01:30:00Z") == (
        0, "2026-11-23.csv: read 2 rows: 0 added, 1 updated.\n", "")
    assert stored_days(engine) == {("A001", "2026-11-23"): (58, 8415), ("A002", "2026-11-23"): (55, 7305)}

    # And once more, unchanged: nothing is imported, and the file is moved aside too.
    write_csv(exports / "2026-11-23.csv", [HEADER, MONDAY[1], ["2026-11-23", "A002", "55", "121.75"]])
    assert kpibot("jobs", "run", "pull", at="2026-11-24T02:30:00Z") == (0, "2026-11-23.csv: imported before.\n", "")
    assert files(exports) == ["done/2026-11-23.2.csv", "done/2026-11-23.3.csv", "done/2026-11-23.csv"]
    assert pulls(engine) == [("2026-11-23.csv", 2, 2, 0, 0, None), ("2026-11-23.csv", 2, 0, 1, 0, None)]


def test_two_exports_of_one_day_in_one_pull_leave_the_newer_numbers(kpibot, roster, exports, engine):
    write_csv(exports / "b-0900.csv", [HEADER, ["2026-11-24", "A001", "10", "20"]])
    write_csv(exports / "a-1200.csv", [HEADER, ["2026-11-24", "A001", "25", "61"]])  # written later, named first
    early = time.time() - 60
    os.utime(exports / "b-0900.csv", (early, early))

    assert kpibot("jobs", "run", "pull")[1] == ("b-0900.csv: read 1 row: 1 added, 0 updated.\n"
                                                "a-1200.csv: read 1 row: 0 added, 1 updated.\n")
    assert stored_days(engine) == {("A001", "2026-11-24"): (25, 3660)}


BAD_ROWS = [HEADER, ["2026-11-23", "A001", "58", "140.25"], ["2026-11-23", "Z999", "60", "150"],
            ["2026-11-23", "A002", "-1", "1500"], ["2026-11-25", "A002", "5", "10"]]


def test_bad_rows_are_left_out_with_their_reasons_and_the_rest_lands(kpibot, roster, exports, engine):
    write_csv(exports / "day.csv", BAD_ROWS)

    assert kpibot("jobs", "run", "pull") == (0, (
        "day.csv: read 4 rows: 1 added, 0 updated; 3 bad rows left out:\n"
        "  line 3: employee Z999 is not on the roster (import the roster first: kpibot roster import FILE)\n"
        "  line 4: 通话次数 '-1' is not a whole number of 0 or more; 通话时长 '1500' is more than 1440\n"
        "  line 5: date 2026-11-25 is in the future\n"), "")
    assert stored_days(engine) == {("A001", "2026-11-23"): (58, 8415)}
    assert files(exports) == ["done/day.csv"]
    assert pulls(engine) == [("day.csv", 4, 1, 0, 3, None)]


def test_a_file_that_cannot_be_read_goes_to_failed_and_the_pull_exits_1(kpibot, roster, exports, engine):
    write_csv(exports / "2026-11-20.csv", FRIDAY)
    write_csv(exports / "bad.csv", [["日期", "工号", "通话次数"], ["2026-11-23", "A001", "58"]])

    assert kpibot("jobs", "run", "pull") == (1, (
        "2026-11-20.csv: read 2 rows: 2 added, 0 updated.\n"
        "bad.csv: not imported: bad.csv: missing columns talk_minutes (通话时长) / talk_seconds (通话秒数). The "
        "first row must name them (English or Chinese headers).\n"), "")
    assert files(exports) == ["done/2026-11-20.csv", "failed/bad.csv"]
    assert list(stored_days(engine)) == [("A001", "2026-11-20"), ("A002", "2026-11-20")]

    write_csv(exports / "bad.csv", MONDAY)  # exported again, whole
    assert kpibot("jobs", "run", "pull", at="2026-11-24T02:30:00Z") == (
        0, "bad.csv: read 2 rows: 2 added, 0 updated.\n", "")


def test_a_file_still_being_written_waits_for_the_next_pull(kpibot, roster, exports, engine):
    """The system writes a file while kpibot pulls: a file that changes while the pull looks at it,
    or one under a name writers use before renaming, is not taken until it is whole."""
    (exports / "other.csv.part").write_bytes(csv_bytes(MONDAY))  # a copy not finished yet
    rows = iter([(date(2026, 9, 1) + timedelta(days=n)).isoformat(), "A001", "50", "120"] for n in range(80))
    started, pulled = threading.Event(), threading.Event()

    def write_until_pulled():  # a row every 50 ms while the pull looks, then the rest at once
        with (exports / "calls.csv").open("wb") as out:
            out.write(csv_bytes([HEADER]))
            out.flush()
            started.set()
            for row in rows:
                out.write(csv_bytes([row]))
                out.flush()
                if not pulled.is_set():
                    time.sleep(0.05)

    writer = threading.Thread(target=write_until_pulled)
    writer.start()
    started.wait()
    try:
        assert kpibot("jobs", "run", "pull") == (0, "Nothing new in the stats source.\n", "")
    finally:
        pulled.set()
        writer.join()
    assert stored_days(engine) == {}

    (exports / "other.csv.part").rename(exports / "other.csv")
    assert kpibot("jobs", "run", "pull", at="2026-11-24T01:00:00Z") == (
        0, "other.csv: read 2 rows: 2 added, 0 updated.\ncalls.csv: read 80 rows: 80 added, 0 updated.\n", "")
    assert len(stored_days(engine)) == 82


def test_jobs_status_lists_the_last_pulls(kpibot, roster, exports):
    write_csv(exports / "2026-11-20.csv", FRIDAY)
    assert kpibot("jobs", "run", "pull", at="2026-11-24T00:30:00Z")[0] == 0
    write_csv(exports / "2026-11-23.csv", BAD_ROWS)
    assert kpibot("jobs", "run", "pull", at="2026-11-24T00:31:00Z")[0] == 0
    write_csv(exports / "empty.csv", [])
    assert kpibot("jobs", "run", "pull", at="2026-11-24T00:32:00Z") == (
        1, "empty.csv: not imported: empty.csv has no rows: the first row must be the header.\n", "")

    assert kpibot("jobs", "status", at="2026-11-24T01:00:00Z") == (0, (
        "Deliveries: 0 sent, 0 pending, 0 failed, 0 in doubt.\n"
        "Last runs:\n"
        "  none yet\n"
        "Last pulls:\n"
        "  2026-11-24 00:32:00 UTC · empty.csv · empty.csv has no rows: the first row must be the header.\n"
        "  2026-11-24 00:31:00 UTC · 2026-11-23.csv · 4 rows, 1 added, 0 updated, 3 bad rows left out\n"
        "  2026-11-24 00:30:00 UTC · 2026-11-20.csv · 2 rows, 2 added, 0 updated\n"), "")
    # Said in the reader's language, whatever KPIBOT_LOCALE was when the pull ran.
    chinese = kpibot("jobs", "status", at="2026-11-24T01:00:00Z", locale="zh-CN")[1].splitlines()
    assert chinese[-3:] == [
        "  2026-11-24 00:32:00 UTC · empty.csv · empty.csv 没有内容：第一行应为表头。",
        "  2026-11-24 00:31:00 UTC · 2026-11-23.csv · 4 行，新增 1，更新 0，3 行有误已跳过",
        "  2026-11-24 00:30:00 UTC · 2026-11-20.csv · 2 行，新增 2，更新 0"]


def test_an_empty_folder_says_so(kpibot, exports):
    assert kpibot("jobs", "run", "pull") == (0, "Nothing new in the stats source.\n", "")


def test_call_records_are_pulled_with_kpibot_stats_format_cdr(kpibot, roster, exports, engine, monkeypatch):
    monkeypatch.setenv("KPIBOT_STATS_FORMAT", "cdr")
    write_xlsx(exports / "calls.XLSX", [
        ["通话ID", "工号", "开始时间", "通话秒数"],
        ["c1", "A001", "2026-11-23 09:00:00", 120],
        ["c2", "A001", "2026-11-23 23:59:00", 60],
        ["c3", "A002", "2026-11-23T16:30:00Z", 300],  # 00:30 on the 24th in Shanghai
    ])

    assert kpibot("jobs", "run", "pull") == (0, "calls.XLSX: read 3 rows: 2 added, 0 updated.\n", "")
    assert stored_days(engine) == {("A001", "2026-11-23"): (2, 180), ("A002", "2026-11-24"): (1, 300)}


# --- the source setting ------------------------------------------------------------------


def test_without_a_source_the_pull_says_what_to_set(kpibot):
    assert kpibot("jobs", "run", "pull") == (
        1, "", "KPIBOT_STATS_SOURCE is not set: point it at the folder the call-center system exports to, "
               "at a URL with {date}, or at a database URL with KPIBOT_STATS_QUERY (docs/sources.md).\n")


def test_a_source_folder_that_does_not_exist_stops_with_one_line_naming_it(kpibot, tmp_path, monkeypatch):
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv("KPIBOT_STATS_SOURCE", str(missing))

    for args in (("jobs", "run", "pull"), ("jobs", "status")):
        assert kpibot(*args) == (
            1, "", f"KPIBOT_STATS_SOURCE must be a folder that exists, an http(s) URL (with {{date}} for "
                   f"the day) or a database URL, not '{missing}'.\n")


# --- a URL source ------------------------------------------------------------------------


class Exports:
    """A local http.server serving export files by path; records every path asked for."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.asked = files, []
        exports = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                exports.asked.append(self.path)
                data = exports.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_exports(tmp_path) -> Iterator[Exports]:
    friday_xlsx = write_xlsx(tmp_path / "friday.xlsx", FRIDAY).read_bytes()
    server = Exports({"/exports/stats-2026-11-20.csv": friday_xlsx})  # an .xlsx behind a .csv URL
    yield server
    server.close()


NOT_FOUND = "nothing at this URL (HTTP 404): the day's export may not be written yet"


def test_a_url_source_fetches_the_last_working_day_and_today(kpibot, roster, http_exports, monkeypatch, engine):
    source = http_exports.url + "/exports/stats-{date}.csv"
    monkeypatch.setenv("KPIBOT_STATS_SOURCE", source)
    friday, monday = (source.replace("{date}", d) for d in ("2026-11-20", "2026-11-23"))
    at_monday = "2026-11-23T00:30:00Z"  # Monday 08:30 in Shanghai: the last working day was Friday

    assert kpibot("jobs", "run", "pull", at=at_monday) == (
        1, f"{friday}: read 2 rows: 2 added, 0 updated.\n"
           f"{monday}: not imported: {NOT_FOUND}\n", "")
    assert http_exports.asked == ["/exports/stats-2026-11-20.csv", "/exports/stats-2026-11-23.csv"]
    assert stored_days(engine) == {("A001", "2026-11-20"): (62, 9090), ("A002", "2026-11-20"): (40, 5700)}

    http_exports.files["/exports/stats-2026-11-23.csv"] = csv_bytes(MONDAY, "gb18030")  # as Excel in China saves it
    assert kpibot("jobs", "run", "pull", at="2026-11-23T02:00:00Z") == (
        0, f"{friday}: imported before.\n{monday}: read 2 rows: 2 added, 0 updated.\n", "")
    assert stored_days(engine)[("A002", "2026-11-23")] == (52, 7305)
    # The 404 of the morning is kept too: `jobs status` shows why Monday came late.
    assert pulls(engine) == [(friday, 2, 2, 0, 0, None), (monday, 0, 0, 0, 0, NOT_FOUND),
                             (monday, 2, 2, 0, 0, None)]


def test_an_unreachable_url_is_reported_not_raised(kpibot, monkeypatch, engine):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = f"http://127.0.0.1:{port}/stats-{{date}}.csv"
    monkeypatch.setenv("KPIBOT_STATS_SOURCE", source)

    down = ("not imported: could not reach the source ([Errno 111] Connection refused) in 3 tries; the numbers "
            "already in stay as they were")
    assert kpibot("jobs", "run", "pull", at="2026-11-24T00:30:00Z") == (
        1, f"http://127.0.0.1:{port}/stats-2026-11-23.csv: {down}\n"
           f"http://127.0.0.1:{port}/stats-2026-11-24.csv: {down}\n", "")
    assert stored_days(engine) == {}
