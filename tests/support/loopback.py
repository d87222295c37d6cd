"""What every loopback server of the tests shares: started in a thread, stopped at once."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from http.server import HTTPServer


def stop_at_once(server: HTTPServer, holds: Iterable[threading.Event] = ()) -> None:
    """Stop `server` now: held calls are let go, and a connection wakes the serving loop, which
    then sees the stop, instead of waiting out its half-second poll (hundreds of tests add up)."""
    for event in holds:
        event.set()
    stopping = threading.Thread(target=server.shutdown)
    stopping.start()
    while stopping.is_alive():
        try:
            socket.create_connection(server.server_address, timeout=1).close()
        except OSError:
            pass
        stopping.join(0.02)
    server.server_close()


def run_in_background(bot) -> None:
    """`bot.run()` in a daemon thread, as `kpibot serve` runs it."""
    threading.Thread(target=_run, args=(bot,), daemon=True).start()


def _run(bot) -> None:
    try:
        bot.run()
    except OSError:  # bot.close() closes the listening socket under the serving loop: that ends it
        pass
