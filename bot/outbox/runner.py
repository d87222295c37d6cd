"""Which process is doing something: host and PID, so that a job run or a delivery left behind
by a process that died on this machine is taken over at once instead of after its lease."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def me() -> str:
    """This process, as host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_gone(runner: str | None) -> bool:
    """True when `runner` is a process of this machine that no longer runs (or is a zombie).
    A process of another machine is never known gone: its lease decides."""
    host, _, pid = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    status = Path(f"/proc/{pid}/stat")
    if status.parent.parent.is_dir():  # Linux: read the process state; Z is dead but unreaped
        try:
            return status.read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except (OSError, IndexError):
            return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
