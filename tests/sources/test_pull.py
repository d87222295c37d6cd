"""The stats pull (`kpibot jobs run pull`, and the scheduler's every N minutes): KPIBOT_STATS_SOURCE
is a folder the call-center system exports into, or an http(s) URL with {date}. A file is known by
its content, so it is imported once; a bad one is recorded with its reason and not tried again
until it changes, and the command exits 1 while any file or URL is not imported, so that cron
notices. `kpibot jobs status` lists the last pulls.

Everything goes through bot.cli.main on a real SQLite database; the URL source is a real
http.server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.store.models import Agent, DailyStat, StatsPull
from factories import add_agent
from files import csv_bytes, write_csv, write_xlsx

HEADER = ["日期", "工号", "通话次数", "通话时长"]  # date, employee ID, calls, talk minutes
FRIDAY = [HEADER, ["2026-11-20", "A001", "62", "151.5"], ["2026-11-20", "A002", "40", "95"]]
MONDAY = [HEADER, ["2026-11-23", "A001", "58", "140.25"], ["2026-11-23", "A002", "52", "121.75"]]
# Tuesday 24 November 2026, 08:30 in Shanghai (the policy's pull time), and later that morning.
PULL_AT = "2026-11-24T00:30:00Z"


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
    folder = tmp_path / "exports"
    folder.mkdir()
    monkeypatch.setenv("KPIBOT_STATS_SOURCE", str(folder))
    return folder


def stats(engine) -> dict[tuple[str, str], tuple[int, int]]:
    """Every stored day: (employee ID, date) -> (calls, talk seconds)."""
    with Session(engine) as session:
        rows = session.exec(select(Agent.employee_id, DailyStat.day, DailyStat.calls, DailyStat.talk_seconds)
                            .join(Agent, Agent.id == DailyStat.agent_id)).all()
    return {(e, d.isoformat()): (c, s) for e, d, c, s in rows}


def pulls(engine) -> list[tuple[str, int, int, int, str | None]]:
    with Session(engine) as session:
        rows = session.exec(select(StatsPull).order_by(StatsPull.id)).all()
    return [(p.name, p.rows, p.added, p.updated, p.error) for p in rows]


# --- a folder source ---------------------------------------------------------------------


def test_a_folder_is_imported_once_and_a_changed_file_again(kpibot, roster, exports, engine):
    write_csv(exports / "2026-11-20.csv", FRIDAY)
    write_csv(exports / "2026-11-23.csv", MONDAY)
    (exports / "README.txt").write_text("exports land here\n")  # not a stats file: ignored

    assert kpibot("jobs", "run", "pull") == (0, "2026-11-20.csv: read 2 rows: 2 added, 0 updated.\n"
                                                "2026-11-23.csv: read 2 rows: 2 added, 0 updated.\n", "")
    assert stats(engine) == {("A001", "2026-11-20"): (62, 9090), ("A002", "2026-11-20"): (40, 5700),
                             ("A001", "2026-11-23"): (58, 8415), ("A002", "2026-11-23"): (52, 7305)}

    assert kpibot("jobs", "run", "pull", at="2026-11-24T01:30:00Z") == (
        0, "2026-11-20.csv: imported before.\n2026-11-23.csv: imported before.\n", "")

    # The system re-exports Monday with one agent's calls corrected.
    write_csv(exports / "2026-11-23.csv", [HEADER, MONDAY[1], ["2026-11-23", "A002", "55", "121.75"]])
    assert kpibot("jobs", "run", "pull", at="2026-11-24T02:30:00Z") == (
        0, "2026-11-20.csv: imported before.\n2026-11-23.csv: read 2 rows: 0 added, 1 updated.\n", "")
    assert stats(engine)[("A002", "2026-11-23")] == (55, 7305)
    assert stats(engine)[("A001", "2026-11-23")] == (58, 8415)
    assert pulls(engine) == [("2026-11-20.csv", 2, 2, 0, None), ("2026-11-23.csv", 2, 2, 0, None),
                             ("2026-11-23.csv", 2, 0, 1, None)]


def test_a_file_changed_back_to_what_it_was_is_imported_again(kpibot, roster, exports, engine):
    """The store must end up as the folder says, even when a correction is itself corrected."""
    write_csv(exports / "2026-11-23.csv", MONDAY)
    assert kpibot("jobs", "run", "pull")[0] == 0
    write_csv(exports / "2026-11-23.csv", [HEADER, MONDAY[1], ["2026-11-23", "A002", "55", "121.75"]])
    assert kpibot("jobs", "run", "pull", at="2026-11-24T01:30:00Z")[0] == 0
    assert stats(engine)[("A002", "2026-11-23")] == (55, 7305)

    write_csv(exports / "2026-11-23.csv", MONDAY)  # the first numbers were right after all
    assert kpibot("jobs", "run", "pull", at="2026-11-24T02:30:00Z") == (
        0, "2026-11-23.csv: read 2 rows: 0 added, 1 updated.\n", "")
    assert stats(engine)[("A002", "2026-11-23")] == (52, 7305)


MISSING = ("bad.csv: missing columns talk_minutes (通话时长). The first row must name them (English or Chinese "
           "headers).")
BAD_ROWS = [HEADER, ["2026-11-23", "A001", "58", "140.25"], ["2026-11-23", "Z999", "60", "150"]]
BAD_ROWS_REASON = ("bad.csv: 1 bad row, so nothing was imported. Correct the lines below and import the file "
                   "again:\n  line 3: employee Z999 is not on the roster (import the roster first: kpibot roster "
                   "import FILE)")


def test_a_bad_file_is_recorded_with_its_reason_and_not_retried_until_it_changes(kpibot, roster, exports, engine):
    write_csv(exports / "2026-11-20.csv", FRIDAY)
    write_csv(exports / "bad.csv", [["日期", "工号", "通话次数"], ["2026-11-23", "A001", "58"]])

    assert kpibot("jobs", "run", "pull") == (
        1, f"2026-11-20.csv: read 2 rows: 2 added, 0 updated.\nbad.csv: not imported: {MISSING}\n", "")
    assert pulls(engine) == [("2026-11-20.csv", 2, 2, 0, None), ("bad.csv", 0, 0, 0, MISSING)]
    assert list(stats(engine)) == [("A001", "2026-11-20"), ("A002", "2026-11-20")]

    # The same bad file is not read again (what the report says of it: the next test).
    assert kpibot("jobs", "run", "pull", at="2026-11-24T01:30:00Z")[0] == 1
    assert len(pulls(engine)) == 2

    write_csv(exports / "bad.csv", MONDAY)  # fixed: now it is a new file
    assert kpibot("jobs", "run", "pull", at="2026-11-24T02:30:00Z") == (
        0, "2026-11-20.csv: imported before.\nbad.csv: read 2 rows: 2 added, 0 updated.\n", "")
    assert stats(engine)[("A002", "2026-11-23")] == (52, 7305)


def test_a_known_bad_file_is_reported_with_its_reason_not_as_imported(kpibot, roster, exports):
    write_csv(exports / "bad.csv", [["日期", "工号", "通话次数"], ["2026-11-23", "A001", "58"]])
    assert kpibot("jobs", "run", "pull") == (1, f"bad.csv: not imported: {MISSING}\n", "")

    assert kpibot("jobs", "run", "pull", at="2026-11-24T01:30:00Z") == (
        1, f"bad.csv: unchanged since it could not be imported: {MISSING}\n", "")


def test_a_file_with_bad_rows_is_recorded_with_its_lines_and_the_pull_goes_on(kpibot, roster, exports, engine):
    """An ImportRejected (bad rows, not a bad file) must be recorded like any other bad file, naming
    the lines, and must not stop the files after it from being pulled."""
    write_csv(exports / "bad.csv", BAD_ROWS)
    write_csv(exports / "day.csv", MONDAY)

    assert kpibot("jobs", "run", "pull") == (
        1, f"bad.csv: not imported: {BAD_ROWS_REASON}\nday.csv: read 2 rows: 2 added, 0 updated.\n", "")
    assert pulls(engine) == [("bad.csv", 0, 0, 0, BAD_ROWS_REASON), ("day.csv", 2, 2, 0, None)]
    assert list(stats(engine)) == [("A001", "2026-11-23"), ("A002", "2026-11-23")]


def test_the_pull_exits_1_while_a_file_is_not_imported_and_0_once_every_file_is(kpibot, roster, exports,
                                                                                engine):
    """A cron job reads only the exit code: a file left out must make the pull fail, every run,
    until it is fixed; the report still names every file, the good ones imported."""
    write_csv(exports / "2026-11-20.csv", FRIDAY)
    write_csv(exports / "2026-11-23.csv", BAD_ROWS)

    assert kpibot("jobs", "run", "pull") == (
        1, "2026-11-20.csv: read 2 rows: 2 added, 0 updated.\n"
           f"2026-11-23.csv: not imported: {BAD_ROWS_REASON.replace('bad.csv', '2026-11-23.csv')}\n", "")
    assert list(stats(engine)) == [("A001", "2026-11-20"), ("A002", "2026-11-20")]
    assert kpibot("jobs", "run", "pull", at="2026-11-24T01:30:00Z") == (
        1, "2026-11-20.csv: imported before.\n"
           "2026-11-23.csv: unchanged since it could not be imported: "
           f"{BAD_ROWS_REASON.replace('bad.csv', '2026-11-23.csv')}\n", "")

    write_csv(exports / "2026-11-23.csv", MONDAY)  # re-exported without the unknown agent
    assert kpibot("jobs", "run", "pull", at="2026-11-24T02:30:00Z") == (
        0, "2026-11-20.csv: imported before.\n2026-11-23.csv: read 2 rows: 2 added, 0 updated.\n", "")
    assert kpibot("jobs", "run", "pull", at="2026-11-24T03:30:00Z") == (
        0, "2026-11-20.csv: imported before.\n2026-11-23.csv: imported before.\n", "")


def test_jobs_status_lists_the_last_pulls(kpibot, roster, exports):
    write_csv(exports / "2026-11-20.csv", FRIDAY)
    assert kpibot("jobs", "run", "pull", at="2026-11-24T00:30:00Z")[0] == 0
    write_csv(exports / "2026-11-23.csv", MONDAY)
    assert kpibot("jobs", "run", "pull", at="2026-11-24T00:31:00Z")[0] == 0
    write_csv(exports / "empty.csv", [])
    assert kpibot("jobs", "run", "pull", at="2026-11-24T00:32:00Z") == (
        1, "2026-11-20.csv: imported before.\n"
           "2026-11-23.csv: imported before.\n"
           "empty.csv: not imported: empty.csv has no rows: the first row must be the header.\n", "")

    assert kpibot("jobs", "status", at="2026-11-24T01:00:00Z") == (0, (
        "Deliveries: 0 sent, 0 pending, 0 failed, 0 in doubt.\n"
        "Last runs:\n"
        "  none yet\n"
        "Last pulls:\n"
        "  2026-11-24 00:32:00 UTC · empty.csv · empty.csv has no rows: the first row must be the header.\n"
        "  2026-11-24 00:31:00 UTC · 2026-11-23.csv · 2 rows, 2 added, 0 updated\n"
        "  2026-11-24 00:30:00 UTC · 2026-11-20.csv · 2 rows, 2 added, 0 updated\n"), "")


def test_an_empty_folder_says_so(kpibot, exports):
    assert kpibot("jobs", "run", "pull") == (0, "No file in the stats source.\n", "")


def test_call_records_are_pulled_with_kpibot_stats_format_cdr(kpibot, roster, exports, engine, monkeypatch):
    monkeypatch.setenv("KPIBOT_STATS_FORMAT", "cdr")
    write_xlsx(exports / "calls.XLSX", [
        ["工号", "开始时间", "通话秒数"],
        ["A001", "2026-11-23 09:00:00", 120],
        ["A001", "2026-11-23 23:59:00", 60],
        ["A002", "2026-11-23T16:30:00Z", 300],  # 00:30 on the 24th in Shanghai
    ])

    assert kpibot("jobs", "run", "pull") == (0, "calls.XLSX: read 3 rows: 2 added, 0 updated.\n", "")
    assert stats(engine) == {("A001", "2026-11-23"): (2, 180), ("A002", "2026-11-24"): (1, 300)}


# --- the source setting ------------------------------------------------------------------


def test_without_a_source_the_pull_says_what_to_set(kpibot):
    assert kpibot("jobs", "run", "pull") == (
        1, "", "KPIBOT_STATS_SOURCE is not set: point it at the folder the call-center system exports to, "
               "or at a URL with {date}.\n")


def test_a_source_folder_that_does_not_exist_stops_with_one_line_naming_it(kpibot, tmp_path, monkeypatch):
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv("KPIBOT_STATS_SOURCE", str(missing))

    for args in (("jobs", "run", "pull"), ("jobs", "status")):
        assert kpibot(*args) == (
            1, "", f"KPIBOT_STATS_SOURCE must be a folder that exists or an http(s) URL (with {{date}} for "
                   f"the day), not '{missing}'.\n")


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


def test_a_url_source_fetches_the_last_working_day_and_today(kpibot, roster, http_exports, monkeypatch, engine):
    source = http_exports.url + "/exports/stats-{date}.csv"
    monkeypatch.setenv("KPIBOT_STATS_SOURCE", source)
    friday, monday = (source.replace("{date}", d) for d in ("2026-11-20", "2026-11-23"))
    at_monday = "2026-11-23T00:30:00Z"  # Monday 08:30 in Shanghai: the last working day was Friday

    assert kpibot("jobs", "run", "pull", at=at_monday) == (
        1, f"{friday}: read 2 rows: 2 added, 0 updated.\n"
           f"{monday}: not imported: HTTP Error 404: Not Found\n", "")
    assert http_exports.asked == ["/exports/stats-2026-11-20.csv", "/exports/stats-2026-11-23.csv"]
    assert stats(engine) == {("A001", "2026-11-20"): (62, 9090), ("A002", "2026-11-20"): (40, 5700)}

    http_exports.files["/exports/stats-2026-11-23.csv"] = csv_bytes(MONDAY, "gb18030")  # as Excel in China saves it
    assert kpibot("jobs", "run", "pull", at="2026-11-23T02:00:00Z") == (
        0, f"{friday}: imported before.\n{monday}: read 2 rows: 2 added, 0 updated.\n", "")
    assert stats(engine)[("A002", "2026-11-23")] == (52, 7305)
    # The 404 of the morning is kept too: `jobs status` shows why Monday came late.
    assert pulls(engine) == [(friday, 2, 2, 0, None), (monday, 0, 0, 0, "HTTP Error 404: Not Found"),
                             (monday, 2, 2, 0, None)]


def test_an_unreachable_url_is_reported_not_raised(kpibot, monkeypatch, engine):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = f"http://127.0.0.1:{port}/stats-{{date}}.csv"
    monkeypatch.setenv("KPIBOT_STATS_SOURCE", source)

    assert kpibot("jobs", "run", "pull", at="2026-11-24T00:30:00Z") == (
        1, f"http://127.0.0.1:{port}/stats-2026-11-23.csv: not imported: <urlopen error [Errno 111] "
           f"Connection refused>\n"
           f"http://127.0.0.1:{port}/stats-2026-11-24.csv: not imported: <urlopen error [Errno 111] "
           f"Connection refused>\n", "")
    assert stats(engine) == {}
