"""Rankings with standard competition ranking for ties (1, 2, 2, 4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")


@dataclass(frozen=True)
class Place(Generic[K]):
    rank: int
    key: K
    value: float


def rank(values: Iterable[tuple[K, float]]) -> list[Place[K]]:
    """Highest value first; equal values share a rank and the next rank skips (1, 2, 2, 4).

    Equal values keep the order they came in, so pass them sorted the way ties should read.
    """
    ordered = sorted(values, key=lambda kv: -kv[1])
    places: list[Place[K]] = []
    for n, (key, value) in enumerate(ordered):
        tied = places and places[-1].value == value
        places.append(Place(places[-1].rank if tied else n + 1, key, value))
    return places


def place_of(places: Iterable[Place[K]], key: K) -> Place[K] | None:
    """The place of `key`, or None when it is not ranked."""
    return next((p for p in places if p.key == key), None)


def team_ranking(values: Iterable[tuple[K, float]]) -> list[Place[K]]:
    """Teams ranked by the mean of their members' values, rounded to one decimal."""
    members: dict[K, list[float]] = {}
    for team, value in values:
        members.setdefault(team, []).append(value)
    return rank((team, round(sum(v) / len(v), 1)) for team, v in members.items())
