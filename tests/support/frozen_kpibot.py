"""`kpibot ARGS` in a process of its own whose clock starts at INSTANT and runs on from there:

    python tests/support/frozen_kpibot.py 2026-11-23T09:00:05+08:00 serve

so that a test can start real processes on a morning of its choosing.
"""

from __future__ import annotations

import sys

from freezegun import freeze_time

from bot.doors.cli import main

if __name__ == "__main__":
    with freeze_time(sys.argv[1], tick=True):
        sys.exit(main(sys.argv[2:]))
