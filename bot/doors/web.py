"""The HTTP side as one WSGI app: the doors' own routes, a health check and metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.doors.metrics import Metrics
from bot.store.models import Delivery

Wsgi = Callable[[dict, Callable], Iterable[bytes]]


def web_app(*, engine: Engine, metrics: Metrics, doors: dict[str, Wsgi]) -> Wsgi:
    """/healthz, /metrics and the doors' own routes (path -> WSGI app)."""
    routes: dict[str, Wsgi] = {"/healthz": lambda environ, start: _health(engine, start),
                               "/metrics": lambda environ, start: _metrics(engine, metrics, start), **doors}

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        route = routes.get(path)
        metrics.count("kpibot_http_requests_total", path=path if route else "other")
        if route is None:
            return _plain(start_response, "404 Not Found", "not found\n")
        return route(environ, start_response)

    return app


def _health(engine: Engine, start_response: Callable) -> Iterable[bytes]:
    """200 when the database answers, 503 when it does not."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is "not healthy", nothing more to say
        return _plain(start_response, "503 Service Unavailable", "database unavailable\n")
    return _plain(start_response, "200 OK", "ok\n")


def _metrics(engine: Engine, metrics: Metrics, start_response: Callable) -> Iterable[bytes]:
    gauges = {}
    try:
        with Session(engine) as session:
            for status, n in session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)):
                gauges[("kpibot_deliveries", (("status", status),))] = n
    except Exception:  # metrics never fail the scrape because the database is away
        pass
    return _plain(start_response, "200 OK", metrics.text(gauges), "text/plain; version=0.0.4")


def _plain(start_response: Callable, status: str, body: str, kind: str = "text/plain; charset=utf-8"):
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(data)))])
    return [data]
