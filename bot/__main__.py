"""python -m bot: the same as the kpibot command."""

import sys

from bot.doors.cli import main

sys.exit(main())
