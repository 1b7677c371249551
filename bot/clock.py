"""The current time, aware and in UTC; `KITH_CLOCK` (tests only) moves where it starts."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def make_clock(start: datetime | None = None) -> Callable[[], datetime]:
    """The real time; with `start`, a clock that reads `start` now and then advances normally.

    Time keeps moving (a monotonic clock measures how far), so a process started with
    `KITH_CLOCK` orders its events and deadlines as a real one does.
    """
    if start is None:
        return lambda: datetime.now(UTC)
    origin = start.astimezone(UTC)
    began = time.monotonic()
    return lambda: origin + timedelta(seconds=time.monotonic() - began)
