"""The APScheduler runner: the only module that knows APScheduler; jobs stay thin ticks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from scheduler.expiry import expire_idle
from scheduler.retention import purge_handled_alerts

log = logging.getLogger(__name__)


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Start the periodic jobs for a running `kith serve`."""
    scheduler = AsyncIOScheduler(timezone="Europe/London")

    async def expire() -> None:
        try:
            if await expire_idle(runtime.database, runtime.registry, runtime.clock()):
                runtime.dispatcher.wake.set()
        except Exception as exc:  # the database away: one line; the next tick tries again
            log.warning("job failed", extra={"job": "expire_idle", "error": type(exc).__name__})

    async def purge() -> None:
        try:
            await purge_handled_alerts(runtime.database, runtime.registry, runtime.clock())
        except Exception as exc:  # the database away: one line; the next tick tries again
            log.warning("job failed", extra={"job": "purge_alerts", "error": type(exc).__name__})

    scheduler.add_job(
        expire, "interval", minutes=5, id="expire_idle", coalesce=True, max_instances=1
    )
    scheduler.add_job(purge, "interval", hours=1, id="purge_alerts", coalesce=True, max_instances=1)
    scheduler.start()
    return scheduler


@asynccontextmanager
async def scheduling(runtime: Runtime) -> AsyncIterator[None]:
    """The periodic jobs running for as long as the context lasts."""
    jobs = start_scheduler(runtime)
    try:
        yield
    finally:
        jobs.shutdown(wait=False)
