"""What the source tests share."""

import pytest

from bot.sources import batches


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    """A source down is tried again at once, not after seconds."""
    monkeypatch.setattr(batches, "WAITS", (0.0, 0.0))
