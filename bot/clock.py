"""The current time, aware and in UTC; `KITH_CLOCK` pins it for demos and tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def make_clock(pinned: datetime | None = None) -> Callable[[], datetime]:
    """A clock returning `pinned` when given, else the real time."""
    if pinned is not None:
        fixed = pinned.astimezone(UTC)
        return lambda: fixed
    return lambda: datetime.now(UTC)
