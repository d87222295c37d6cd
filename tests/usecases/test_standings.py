"""Month standings on a real database: who is ranked, and the team ranking that follows.

September 2026 has 22 working days (1-4, 7-11, 14-18, 20 (a make-up Sunday), 21-24, 28-30), so a
veteran's month is 22 x 60 = 1,320 calls and 22 x 150 = 3,300 minutes.
    Gao Yan    (Team 1) leaves Thu 3 Sep after 72 calls and 180 min on each of 1-3 Sep, 120 % of
               the day: 216 of 3 x 60 = 180 calls, 540 of 3 x 150 = 450 min, 120.0 %. Not ranked.
    Wang Fang  (Team 1) 60 calls and 150 min every working day: 1,320 and 3,300, 100.0 %.
    Li Na      (Team 2) 54 calls and 135 min every working day: 1,188 of 1,320 and 2,970 of 3,300,
               90.0 %.
Ranked: Wang Fang 1st, Li Na 2nd. Teams: Team 1 100.0 (Wang Fang alone), Team 2 90.0; with Gao Yan
ranked, Team 1 would be (120.0 + 100.0) / 2 = 110.0 and she would be first.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.store import queries
from bot.usecases.mystats import stats_view
from bot.usecases.rankings import ranking
from bot.usecases.reviews import month_end
from bot.usecases.standings import month_standings
from factories import add_agent, add_day, add_entry
from scoring.calendar import Month

SEPTEMBER = Month(2026, 9)


@pytest.fixture
def september(session, center):
    gao = add_agent(session, "A010", name="Gao Yan", leave_date=date(2026, 9, 3))
    wang = add_agent(session, "A001", name="Wang Fang")
    li = add_agent(session, "A002", name="Li Na", team="Team 2")
    days = center.calendar.month_working_days(SEPTEMBER)
    assert len(days) == 22
    for day in days[:3]:
        add_day(session, gao, day, 72, 180)
    for day in days:
        add_day(session, wang, day, 60, 150)
        add_day(session, li, day, 54, 135)
    add_day(session, gao, date(2026, 8, 31), 72, 180)  # the month before she leaves
    return session


def ranks(board) -> list[tuple[int, str, float]]:
    return [(p.rank, p.key.agent.employee_id, p.value) for p in board.places]


def test_an_agent_leaving_in_the_month_is_not_ranked_however_strong_her_days(september, center):
    board = month_standings(session=september, center=center, month=SEPTEMBER, through=SEPTEMBER.last)
    assert ranks(board) == [(1, "A001", 100.0), (2, "A002", 90.0)]
    gao = board.all["A010"]
    # she still has her own numbers: 216 of 180 calls, 540 of 450 min
    assert (gao.month.totals.calls, gao.month.quota.calls, gao.month.quota.talk_minutes) == (216, 180, 450)
    assert gao.month.attainment.met and gao.value is None
    assert board.place_of("A010") is None
    assert board.left_on("A010") == date(2026, 9, 3)
    assert board.left_on("A001") is None


def test_she_is_not_ranked_before_her_leave_date_either(september, center):
    # As of Wed 2 Sep she has not left yet, but her leave date is in September.
    board = month_standings(session=september, center=center, month=SEPTEMBER, through=date(2026, 9, 2))
    assert [e for _, e, _ in ranks(board)] == ["A001", "A002"]


def test_the_month_before_she_leaves_keeps_her_rank(september, center):
    # August: only her Mon 31 Aug is on record, so she alone is above 0 %.
    board = month_standings(session=september, center=center, month=Month(2026, 8), through=date(2026, 8, 31))
    assert ranks(board)[0][:2] == (1, "A010")
    assert board.left_on("A010") is None


def test_the_team_ranking_follows_from_the_ranked_agents(september, center):
    end = month_end(session=september, center=center, month=SEPTEMBER)
    assert [(p.rank, p.key, p.value) for p in end.teams] == [(1, "Team 1", 100.0), (2, "Team 2", 90.0)]
    assert "A010" in end.reviews  # not ranked, still reviewed


# --- /mystats: one agent's place, the others' values kept between requests -----------------------


def places(session, center, through: date) -> dict[str, tuple[int, int] | None]:
    """Each agent's (rank, of how many) as /mystats shows it for September up to `through`."""
    shown = {}
    for agent in queries.assessed_agents(session=session, month=SEPTEMBER):
        view = stats_view(session=session, center=center, agent=agent, month=SEPTEMBER, today=through)
        shown[agent.employee_id] = None if view.place is None else (view.place.rank, view.ranked)
    return shown


@pytest.mark.parametrize("through", [date(2026, 9, 2), SEPTEMBER.last])
def test_mystats_places_everyone_where_the_month_standings_do(september, center, through):
    board = month_standings(session=september, center=center, month=SEPTEMBER, through=through)
    expected = {e: None if board.place_of(e) is None else (board.place_of(e).rank, len(board.places))
                for e in board.all}
    assert places(september, center, through) == expected == {"A001": (1, 2), "A002": (2, 2), "A010": None}


def test_mystats_ranks_afresh_once_anyones_numbers_change(september, center):
    assert places(september, center, SEPTEMBER.last)["A001"] == (1, 2)
    li = queries.agent_by_employee_id(session=september, employee_id="A002")
    add_day(september, li, date(2026, 9, 5), 300, 600)  # a Saturday's work: 110.5 % for the month

    assert places(september, center, SEPTEMBER.last) == {"A001": (2, 2), "A002": (1, 2), "A010": None}


def test_the_values_ranked_are_kept_while_nothing_changes(september, center):
    first = ranking(session=september, center=center, month=SEPTEMBER, through=SEPTEMBER.last)
    assert ranking(session=september, center=center, month=SEPTEMBER, through=SEPTEMBER.last) is first
    add_agent(september, "A003", name="Zhou Min")
    assert ranking(session=september, center=center, month=SEPTEMBER, through=SEPTEMBER.last) is not first


def test_a_deduction_ranks_afresh_only_when_the_policy_ranks_by_score(september, center):
    wang = queries.agent_by_employee_id(session=september, employee_id="A001")
    by_score = replace(center, policy=replace(center.policy, leaderboard_metric="score"))
    for asked, moves in ((center, False), (by_score, True)):
        first = ranking(session=september, center=asked, month=SEPTEMBER, through=SEPTEMBER.last)
        add_entry(september, wang, date(2026, 9, 3), -2, code="late")
        again = ranking(session=september, center=asked, month=SEPTEMBER, through=SEPTEMBER.last)
        assert (again is not first) == moves
    assert again.values == [96, 100]  # by score: Wang Fang after her two deductions, Li Na
