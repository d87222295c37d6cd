"""A small center in November 2026 whose numbers are worked out by hand in the tests.

November 2026 has 21 working days in China (no holiday, no make-up day); the 1st is a Sunday.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from factories import add_agent, add_day, add_entry


def build(session: Session) -> dict:
    lead = add_agent(session, "L01", name="Xu Chen", role="lead")
    wang = add_agent(session, "A001", name="Wang Fang", hire_date=date(2020, 1, 1), slack_user_id="U001")
    li = add_agent(session, "A002", name="Li Na", hire_date=date(2026, 9, 1))  # a new hire in November
    zhao = add_agent(session, "A003", name="Zhao Lei", team="Team 2", hire_date=date(2026, 11, 2))
    # Wang Fang, veteran: Mon 2, Tue 3, Wed 4 Nov.
    add_day(session, wang, date(2026, 11, 2), 60, 150)
    add_day(session, wang, date(2026, 11, 3), 66, 144)
    add_day(session, wang, date(2026, 11, 4), 55, 160.5)
    # Li Na, new hire (50 / 120 a day): a little behind.
    add_day(session, li, date(2026, 11, 2), 50, 120)
    add_day(session, li, date(2026, 11, 3), 40, 100)
    # Zhao Lei joined Mon 2 Nov: exempt up to Sun 8 Nov.
    add_day(session, zhao, date(2026, 11, 3), 30, 70)
    late = add_entry(session, wang, date(2026, 11, 3), -2, code="late", author=lead)
    add_entry(session, wang, date(2026, 11, 4), 1, code="call", note="thanked by a caller", author=lead)
    phone = add_entry(session, wang, date(2026, 11, 4), -1, code="phone", author=lead)
    add_entry(session, wang, date(2026, 11, 4), 0, code="phone", author=lead, revokes=phone)
    add_entry(session, li, date(2026, 11, 3), -3, note="left at 16:30 without asking", author=lead)
    return {"lead": lead, "wang": wang, "li": li, "zhao": zhao, "late": late}
