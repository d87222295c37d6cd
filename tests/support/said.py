"""What kpibot says about the center of tests/support/scenario.py on Wednesday 4 November 2026,
worked out by hand: the words every door shows, however it lays them out."""

from __future__ import annotations

from datetime import date

from messages.render import render

TODAY = date(2026, 11, 4)

USAGE = {
    "mystats": "Usage: /mystats [today | yesterday | month | YYYY-MM-DD | YYYY-MM]",
    "deduct": "Usage: /deduct @agent POINTS REASON…  or  /deduct @agent CODE [NOTE…]",
    "award": "Usage: /award @agent POINTS REASON…  or  /award @agent CODE [NOTE…]",
    "leaderboard": "Usage: /leaderboard [YYYY-MM]",
    "teamstats": "Usage: /teamstats [today | yesterday | YYYY-MM-DD]",
}
DEDUCT_CODES = ("chat, snack, desk, outsider, noise, refusal, swap, missed, phone, handover, security, "
                "shoes, bedding, late, early, phrase, contact1, contact2, contact3, absence")
AWARD_CODES = "contest, skills, province, media, call, letter, article, newsletter, test81, test90, test95"
NOT_ON_ROSTER = ("You are not on kpibot's roster yet, so there is nothing to show. "
                 "Ask {contacts} to add you (your Slack ID is {user}).")
TRY_AGAIN = "Slack did not answer in time: please try again in a minute."


SCENARIO_LEDGER = [
    (1, "A001", date(2026, 11, 3), -2, "late", "", "L01", None),
    (2, "A001", date(2026, 11, 4), 1, "call", "thanked by a caller", "L01", None),
    (3, "A001", date(2026, 11, 4), -1, "phone", "", "L01", None),
    (4, "A001", date(2026, 11, 4), 0, "phone", "", "L01", 3),
    (5, "A002", date(2026, 11, 3), -3, None, "left at 16:30 without asking", "L01", None),
]


WANG = "Wang Fang (A001) · Team 1 · veteran"
WANG_4_NOV = ("Wed 4 Nov: 55 of 60 calls, 160 of 150 talk minutes\n"
              "  calls █████████░ 91.7% · talk ██████████ 107.0%\n"
              "  Short by 5 calls.")
# 60 + 66 + 55 calls; 150 + 144 + 160.5 minutes, of November's 21 x 60 = 1,260 calls and 21 x 150 =
# 3,150 minutes: 181 / 1,260 = 14.4 %, 454.5 / 3,150 = 14.4 %. Asked on Wed 4 Nov, the 19 working days
# left count the 4th itself (its 55 calls already in), as the morning's message does:
# ceil(1,079 / 19) = ceil(56.8) = 57; ceil((189,000 - 27,270) s / 19 / 60) = ceil(141.9) = 142.
WANG_NOVEMBER = ("November 2026 up to Wed 4 Nov: 181 of 1,260 calls, 454 of 3,150 talk minutes\n"
                 "  calls █░░░░░░░░░ 14.4% · talk █░░░░░░░░░ 14.4%\n"
                 "  Attainment 14.4%.\n"
                 "  Still needed: 57 calls and 142 min a day for the 19 working days left.")
WANG_3_NOV = ("Tue 3 Nov: 66 of 60 calls, 144 of 150 talk minutes\n"
              "  calls ██████████ 110.0% · talk █████████░ 96.0%\n"
              "  Short by 6 min.")
# 126 / 1,260 = 10.0 %, 294 / 3,150 = 9.3 %, mean 9.7 %; 1,134 calls and 189,000 - 17,640 = 171,360 s
# over the 19 days from the 4th: ceil(59.7) = 60 and ceil(150.3) = 151 (Tuesday's 6 minutes short).
WANG_NOVEMBER_TO_3 = ("November 2026 up to Tue 3 Nov: 126 of 1,260 calls, 294 of 3,150 talk minutes\n"
                      "  calls █░░░░░░░░░ 10.0% · talk ░░░░░░░░░░ 9.3%\n"
                      "  Attainment 9.7%.\n"
                      "  Still needed: 60 calls and 151 min a day for the 19 working days left.")
# October's 18 working days: 18 x 60 = 1,080 calls, 18 x 150 = 2,700 minutes.
WANG_OCTOBER = ("October 2026 up to Sat 31 Oct: 0 of 1,080 calls, 0 of 2,700 talk minutes\n"
                "  calls ░░░░░░░░░░ 0.0% · talk ░░░░░░░░░░ 0.0%\n"
                "  Attainment 0.0%.\n"
                "  The month closed 1,080 calls and 2,700 min short.")
WANG_SCORE = ("Score 99 (base 100)\n"
              "  -2 Late · 3 Nov · Xu Chen\n"
              "  +1 Praised by a customer's call: thanked by a caller · 4 Nov · Xu Chen\n"
              "  -1 Private phone call · 4 Nov · Xu Chen (undone)")
WANG_SCORE_TO_3 = ("Score 98 (base 100)\n"  # as of Tue 3 Nov: the entries of the 4th come later
                   "  -2 Late · 3 Nov · Xu Chen")
FIRST = "Rank 1 of 2 by attainment."


# Wang Fang: 181 / 1,260 calls = 14.4 %, 454.5 / 3,150 min = 14.4 %, attainment 14.4 %.
# Li Na, new hire: 90 / 21 x 50 = 90 / 1,050 calls = 8.6 %, 220 / 21 x 120 = 220 / 2,520 min = 8.7 %,
# attainment (8.571 + 8.730) / 2 = 8.65 -> 8.7 %.
BOARD = "Leaderboard, November 2026, by attainment"
TOP = " 1. Wang Fang · Team 1 · 14.4%\n 2. Li Na · Team 1 · 8.7%"


TEAM_1 = ("Team 1, Wed 4 Nov: 0 of 2 met the daily quota.\n"
          "Behind:\n"
          "  Wang Fang (A001): short by 5 calls · month 14.4%\n"
          "No numbers: Li Na")
TEAM_2 = "Team 2, Wed 4 Nov: 0 of 0 met the daily quota.\nFirst week, exempt: Zhao Lei"
OFFICE = "Office, Wed 4 Nov: nobody to report."


LI = "Li Na (A002) · Team 1 · new hire"
LI_TODAY = (  # Li Na's /mystats on Wed 4 Nov after its heading: day, month, score, rank
    "Wed 4 Nov: 0 of 50 calls, 0 of 120 talk minutes\n"
    "  calls ░░░░░░░░░░ 0.0% · talk ░░░░░░░░░░ 0.0%\n"
    "  Short by 50 calls and 120 min.",
    # 1,050 - 90 = 960 calls and 151,200 - 13,200 = 138,000 s still needed over 19 working days,
    # today included: ceil(50.5) = 51 calls and ceil(121.1) = 122 min (50 and 120 plus Tuesday's
    # 10 calls and 20 min spread over the 19 days).
    "November 2026 up to Wed 4 Nov: 90 of 1,050 calls, 220 of 2,520 talk minutes\n"
    "  calls ░░░░░░░░░░ 8.6% · talk ░░░░░░░░░░ 8.7%\n"
    "  Attainment 8.7%.\n"
    "  Still needed: 51 calls and 122 min a day for the 19 working days left.",
    "Score 97 (base 100)\n"
    "  -3 left at 16:30 without asking · 3 Nov · Xu Chen",
    "Rank 2 of 2 by attainment.",
)



def stats_text(heading: str, *parts: str) -> str:
    """/mystats as plain text: the heading, then each part (the rank last), a blank line between."""
    return "\n\n".join([heading, *parts]) + "\n"


def refused(line: str, command: str) -> str:
    """A refusal: the one line saying what is wrong, then the command's usage line."""
    return f"{line}\n{USAGE[command]}\n"


def text_of(given) -> str:
    """An answer as plain text, as the console shows it and every door's fallback reads."""
    return render(given.template, given.locale, **given.context)
