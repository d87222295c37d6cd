"""`kpibot jobs status`: deliveries waiting, failed or in doubt, and the last runs and pulls."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from bot.store.models import Delivery, JobRun, StatsPull
from scoring.schedule import PULL

SHOWN = 50


@dataclass(frozen=True)
class RunLine:
    run: JobRun
    counts: dict[str, int]  # sent, pending, failed; empty while it runs


@dataclass(frozen=True)
class JobsStatus:
    counts: dict[str, int]  # deliveries by status
    pending: list[Delivery]
    in_doubt: list[Delivery]  # claimed, never finished
    failed: list[Delivery]
    runs: list[RunLine]  # the rounds: the pulls' own claims, one a slot, would crowd them out
    pulls: list[StatsPull]


def jobs_status(*, session: Session) -> JobsStatus:
    counts = dict(session.exec(select(Delivery.status, func.count()).group_by(Delivery.status)).all())

    def deliveries(status: str) -> list[Delivery]:
        return list(session.exec(select(Delivery).where(Delivery.status == status)
                                 .order_by(Delivery.id).limit(SHOWN)).all())

    return JobsStatus(
        counts=counts,
        pending=deliveries("pending"),
        in_doubt=deliveries("sending"),
        failed=deliveries("failed"),
        runs=[RunLine(run, json.loads(run.summary) if run.summary else {})
              for run in session.exec(select(JobRun).where(JobRun.job != PULL)
                                      .order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(10)).all()],
        pulls=list(session.exec(select(StatsPull).order_by(StatsPull.pulled_at.desc(), StatsPull.id.desc())
                                .limit(10)).all()),
    )
