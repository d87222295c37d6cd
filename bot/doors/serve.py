"""`kpibot serve`: the HTTP server with the doors' routes, the health check and metrics, the
work done after each acknowledgement, and whatever else a door runs (Slack's Socket Mode)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Engine
from waitress.server import BaseWSGIServer

from bot.config.center import Center
from bot.doors.worker import Worker
from bot.outbox.platforms import Platforms

log = logging.getLogger("kpibot")


class Connection(Protocol):
    """Something a door keeps open while the bot runs (e.g. Slack's Socket Mode)."""

    name: str

    def start(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class Bot:
    center: Center
    engine: Engine
    platforms: Platforms  # what the bot's scheduler sends on
    worker: Worker
    server: BaseWSGIServer
    doors: dict  # by platform name: the doors that answer people
    connections: Sequence[Connection] = ()

    @property
    def port(self) -> int:
        return self.server.effective_port

    def run(self) -> None:
        for connection in self.connections:
            connection.start()
        log.info("kpibot is listening on port %s (%s)", self.port,
                 ", ".join(c.name for c in self.connections) or "HTTP")
        self.server.run()

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
        self.server.close()
        self.worker.shutdown()
        self.engine.dispose()
