"""The APScheduler runner: the only module that knows APScheduler; jobs stay thin ticks."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from scheduler.expiry import expire_idle


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Start the periodic jobs for a running `kith serve`."""
    scheduler = AsyncIOScheduler(timezone="Europe/London")

    async def expire() -> None:
        if await expire_idle(runtime.db, runtime.registry, runtime.clock()):
            runtime.dispatcher.wake.set()

    scheduler.add_job(
        expire, "interval", minutes=5, id="expire_idle", coalesce=True, max_instances=1
    )
    scheduler.start()
    return scheduler
