"""The month-end round's contents: the leaderboard, each agent's final month, the review lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from sqlmodel import Session

from bot.config.center import Center
from bot.store import queries
from bot.usecases.standings import Standing, Standings, month_standings
from scoring.calendar import Month
from scoring.leaderboard import Place, team_ranking
from scoring.ledger import monthly_score
from scoring.permissions import Person, visible_teams
from scoring.reviews import (
    MonthReview,
    is_level_review_month,
    level_review,
    month_review,
)


@dataclass(frozen=True)
class Review:
    standing: Standing
    scores: list[int]  # the months reviewed, oldest first, this month last
    month: MonthReview
    level: str | None  # the level review's outcome in its last month, else None
    average: float | None  # the average monthly score the level review used


@dataclass(frozen=True)
class MonthEnd:
    board: Standings
    teams: list[Place[str]]  # teams by the mean of their ranked members
    reviews: dict[str, Review]  # by employee ID
    level_months: list[Month]  # the months the level review averages, or [] when not its month

    @cached_property
    def by_team(self) -> dict[int | None, list[tuple[int, Review]]]:
        """The reviews of each team, with their places in `reviews`."""
        teams: dict[int | None, list[tuple[int, Review]]] = defaultdict(list)
        for n, review in enumerate(self.reviews.values()):
            teams[review.standing.agent.team_id].append((n, review))
        return dict(teams)

    @cached_property
    def team_ids(self) -> set[int]:
        """The teams with a review."""
        return {team for team in self.by_team if team is not None}

    @cached_property
    def everyone(self) -> ReviewList:
        """The list of a reader who sees every team."""
        return review_list(self.reviews.values())

    @cached_property
    def team_lists(self) -> dict[int | None, ReviewList]:
        """The list of each team, for the readers who see one team alone."""
        return {team: review_list(review for _, review in found) for team, found in self.by_team.items()}


@dataclass(frozen=True)
class ReviewList:
    """What one reader's review list names, each group in the board's order."""

    below: list[Review]  # under the pass mark this month
    streak: list[Review]  # not under it, but under retraining_below for retraining_months running
    levels: dict[str, list[str]]  # the names under each level review outcome; empty when not its month


def review_list(reviews: Iterable[Review]) -> ReviewList:
    """The reviews grouped as a review list names them, each group in the order given."""
    below, streak, levels = [], [], defaultdict(list)
    for review in reviews:
        if review.month.below_pass:
            below.append(review)
        elif review.month.below_streak:
            streak.append(review)
        if review.level is not None:
            levels[review.level].append(review.standing.agent.name)
    return ReviewList(below, streak, dict(levels))


def month_end(*, session: Session, center: Center, month: Month) -> MonthEnd:
    """Everything the month-end round tells, about `month`."""
    policy = center.policy
    board = month_standings(session=session, center=center, month=month, through=month.last)
    level_months = _months_back(month, policy.review_months) if is_level_review_month(policy, month) else []
    history = _months_back(month, max(policy.retraining_months, len(level_months)))
    scores = {m: _scores(session, center, m) for m in history if m != month}
    scores[month] = {standing.agent.id: standing.score for standing in board.all.values()}
    lasts, level_set, found = [(m, m.last) for m in history], set(level_months), {}
    reviews = {}
    for employee_id, standing in board.all.items():
        agent = standing.agent
        months = [m for m, last in lasts if last >= agent.hire_date]
        own = tuple(scores[m].get(agent.id, policy.base_score) for m in months)
        level = tuple(score for m, score in zip(months, own) if m in level_set)
        if (own, level) not in found:  # most agents share their months' scores: review each once
            found[own, level] = (month_review(policy, own), level_review(policy, level) if level else None,
                                 round(sum(level) / len(level), 1) if level else None)
        reviews[employee_id] = Review(standing, list(own), *found[own, level])
    teams = team_ranking((p.key.team, p.value) for p in board.places)
    return MonthEnd(board, teams, reviews, level_months)


def reviews_for(*, month_end_: MonthEnd, reader: Person) -> ReviewList:
    """The reviews `reader` may read, in the board's order: their teams' (everyone's for managers
    and admins). Each reader costs only their teams' reviews, and the lists of one team or of
    every team are grouped once for all the readers who get them."""
    by_team = month_end_.by_team
    teams = set(visible_teams(reader, month_end_.team_ids) or ())
    if teams >= by_team.keys():
        return month_end_.everyone
    if len(teams) == 1:
        return month_end_.team_lists.get(next(iter(teams)), EMPTY)
    return review_list(review for _, review in sorted(found for team in teams for found in by_team.get(team, ())))


EMPTY = ReviewList([], [], {})


def _months_back(month: Month, count: int) -> list[Month]:
    """`count` months ending with `month`, oldest first."""
    months = [month]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return months


def _scores(session: Session, center: Center, month: Month) -> dict[int, int]:
    entries = queries.ledger_entries(session=session, month=month)
    return {agent_id: monthly_score(center.policy, own) for agent_id, own in entries.items()}
