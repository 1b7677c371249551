"""Supervised background tasks: never a bare `create_task` whose failure no one sees.

A supervised task that raises is logged on one line (its error type and place, never
its message) and started again after a pause, until it is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


def error_place(exc: BaseException) -> str:
    """`file:line` where `exc` was raised (its message may hold personal data; this never)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


async def supervise(
    name: str, run: Callable[[], Awaitable[None]], pause_seconds: float = 5.0
) -> None:
    """Run `run()` until cancelled, starting it again after a pause whenever it fails."""
    while True:
        try:
            await run()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any failure: log one line, pause, start again
            log.error(
                "background task failed; restarting",
                extra={"task": name, "error": type(exc).__name__, "at": error_place(exc)},
            )
            await asyncio.sleep(pause_seconds)


def start_supervised(
    tasks: dict[str, asyncio.Task[None]],
    name: str,
    run: Callable[[], Awaitable[None]],
    pause_seconds: float = 5.0,
) -> asyncio.Task[None]:
    """Start `run` under `supervise`, kept in `tasks` by name (so /healthz can see it)."""
    task = asyncio.create_task(supervise(name, run, pause_seconds), name=name)
    tasks[name] = task
    return task
