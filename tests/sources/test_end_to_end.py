"""From files to /mystats through the command line, checked against numbers worked out by hand.

October 2026 in China: 1-7 Oct off (National Day), Sat 10 Oct a make-up working day, so the
working days are 8, 9, 10, 12-16, 19-23 and 26-30 October: 18 in all.
"""

from __future__ import annotations

import csv
from datetime import date

import pytest


WORKING_DAYS = [date(2026, 10, d) for d in (8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23,
                                            26, 27, 28, 29, 30)]


def write(path, rows):
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture
def files(tmp_path):
    roster = write(tmp_path / "花名册.csv", [
        ["工号", "姓名", "班组", "角色", "入职日期"],
        ["L100", "许晨", "一组", "班长", "2019-03-01"],
        ["A101", "王芳", "一组", "客服", "2021-05-10"],  # veteran
        ["A102", "李娜", "一组", "客服", "2026-09-14"],  # new hire all October (until 14 Dec)
        ["A103", "赵磊", "一组", "客服", "2026-10-12"],  # joined Mon 12 Oct: exempt 12-18 Oct
    ])
    rows = [["日期", "工号", "通话次数", "通话时长"]]
    for day in WORKING_DAYS:
        rows.append([day.isoformat(), "A101", 65, 160.5])
        rows.append([day.isoformat(), "A102", 50, 120])
        if day >= date(2026, 10, 12):
            rows.append([day.isoformat(), "A103", 40, 100])
    rows.append(["2026-10-17", "A101", 20, 45])  # Saturday overtime counts toward the month
    return roster, write(tmp_path / "十月话务.csv", rows)


@pytest.fixture
def said(kpibot):
    """What a command prints on 2 November 2026, as the operator reads it; it must succeed."""
    def run(*args: str) -> str:
        code, out, err = kpibot(*args, at="2026-11-02 10:00:00+08:00")
        assert (code, err) == (0, ""), err
        return out
    return run


def test_a_month_imported_from_files_agrees_with_the_hand_count(said, files):
    roster, stats = files
    assert said("roster", "import", str(roster)) == \
        "花名册.csv: read 4 rows: 4 added, 0 updated, 0 unchanged.\n"
    # 18 + 18 + 15 + 1 rows
    assert said("stats", "import", str(stats)) == \
        "十月话务.csv: read 52 rows: 52 added, 0 updated, 0 unchanged.\n"
    check_october(said)

    assert said("stats", "import", str(stats)) == \
        "十月话务.csv: read 52 rows: 0 added, 0 updated, 52 unchanged.\n"
    check_october(said)


def check_october(said):
    veteran = said("stats", "show", "A101", "--date", "2026-10-30")
    assert "Fri 30 Oct: 65 of 60 calls, 160 of 150 talk minutes" in veteran
    # 18 x 65 + 20 = 1,190 calls; 18 x 160.5 + 45 = 2,934 minutes; October's quota is its
    # 18 working days of 60 / 150: 18 x 60 = 1,080 calls, 18 x 150 = 2,700 minutes.
    assert "October 2026 up to Fri 30 Oct: 1,190 of 1,080 calls, 2,934 of 2,700 talk minutes" in veteran
    # Above the daily quota every day, so above the month:
    # (1,190 / 1,080 + 2,934 / 2,700) / 2 = (1.10185 + 1.08667) / 2 = 1.09426 -> 109.4%
    assert "Attainment 109.4%: monthly quota met." in veteran
    assert "short" not in veteran

    new_hire = said("stats", "show", "A102", "--date", "2026-10-30")
    # 18 x 50 = 900 of 18 x 50 = 900; 18 x 120 = 2,160 of 18 x 120 = 2,160: the daily quota
    # met exactly every day meets the month exactly.
    assert "900 of 900 calls, 2,160 of 2,160 talk minutes" in new_hire
    assert "Attainment 100.0%: monthly quota met." in new_hire

    joiner = said("stats", "show", "A103", "--date", "2026-10-30")
    # Assessed 19-23 and 26-30 Oct: 10 of 18 days as a new hire, 10 x 50 = 500 calls and
    # 10 x 120 = 1,200 minutes. The exempt week's 5 days are not counted: 10 x 40 calls.
    assert "400 of 500 calls, 1,000 of 1,200 talk minutes" in joiner
    assert "Quota pro-rated: 10 of 18 working days assessed." in joiner
    # (400 / 500 + 1,000 / 1,200) / 2 = (0.8 + 0.83333) / 2 = 0.81667 -> 81.7%
    assert "Attainment 81.7%." in joiner
    # 109.4 % and 100.0 % rank above 81.7 %
    assert "Rank 3 of 3 by attainment." in joiner

    exempt = said("stats", "show", "A103", "--date", "2026-10-14")
    assert "Wed 14 Oct: 40 calls, 100 min of talk time. First week: exempt from the quota." in exempt

    mid_month = said("stats", "show", "A101", "--date", "2026-10-09")
    # Up to Fri 9 Oct: 2 days, 130 calls, 321 min; 16 working days left (Sat 10 Oct among them).
    # ceil((1,080 - 130) / 16) = ceil(59.375) = 60; ceil((162,000 - 19,260) s / 16 / 60) =
    # ceil(148.69) = 149
    assert "Still needed: 60 calls and 149 min a day for the 16 working days left." in mid_month
    holiday = said("stats", "show", "A101", "--date", "2026-10-05")
    assert "Mon 5 Oct: rest day. 0 calls, 0 min of talk time." in holiday
