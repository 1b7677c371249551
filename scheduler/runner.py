"""The APScheduler runner: the only module that knows APScheduler; jobs stay thin ticks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from scheduler.jobs import JOBS, Job, JobContext, run_job

log = logging.getLogger(__name__)


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Start the periodic jobs (scheduler/jobs.py) for a running `kith serve`.

    Each runs once at start (what came due while Kith was down), then at its interval.
    """
    scheduler = AsyncIOScheduler(timezone="Europe/London")
    context = JobContext(runtime.database, runtime.registry, runtime.settings.oncall)

    def runner(job: Job) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if await run_job(job, context, runtime.clock()):
                runtime.dispatcher.wake.set()

        return run

    for job in JOBS:
        scheduler.add_job(
            runner(job),
            "interval",
            seconds=job.every.total_seconds(),
            id=job.name,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )
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
