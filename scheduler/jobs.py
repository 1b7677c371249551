"""Every scheduled job, by name: what `kith scheduler tick` runs once and `kith serve` repeats.

Each job is a thin tick over rows in the database, safe to run in several processes at
once (claims and idempotency keys; see each job's module).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.ports import Database
from bot.tasks import error_place
from conversations.registry import Registry
from scheduler.call_lists import queue_call_lists
from scheduler.call_outcomes import queue_outcome_requests
from scheduler.call_prompts import queue_call_prompts
from scheduler.deadline_watch import deadline_watch
from scheduler.expiry import expire_idle
from scheduler.group_notices import queue_group_notices
from scheduler.group_reminders import queue_group_reminders
from scheduler.reminders import queue_due_reminders
from scheduler.retention import purge_handled_alerts
from scheduler.surveys import queue_survey_invitations

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What the jobs need: the database, the services, on-call contacts, the time."""

    database: Database
    registry: Registry
    oncall: tuple[str, ...]


@dataclass(frozen=True)
class Job:
    """A named job and how often `kith serve` runs it."""

    name: str
    every: timedelta
    run: Callable[[JobContext, datetime], Awaitable[int]]


async def _reminders(context: JobContext, now: datetime) -> int:
    return (await queue_due_reminders(context.database, context.registry, now)).queued


async def _group_notices(context: JobContext, now: datetime) -> int:
    return await queue_group_notices(context.database, now)


async def _group_reminders(context: JobContext, now: datetime) -> int:
    return await queue_group_reminders(context.database, context.registry, now)


async def _call_lists(context: JobContext, now: datetime) -> int:
    return await queue_call_lists(context.database, context.registry, now)


async def _call_prompts(context: JobContext, now: datetime) -> int:
    return await queue_call_prompts(context.database, context.registry, now)


async def _call_outcomes(context: JobContext, now: datetime) -> int:
    return await queue_outcome_requests(context.database, context.registry, now)


async def _surveys(context: JobContext, now: datetime) -> int:
    return await queue_survey_invitations(context.database, context.registry, now)


async def _expire(context: JobContext, now: datetime) -> int:
    return await expire_idle(context.database, context.registry, now)


async def _purge(context: JobContext, now: datetime) -> int:
    return await purge_handled_alerts(context.database, context.registry, now)


async def _prompts(context: JobContext, now: datetime) -> int:
    return await context.database.write(lambda store: store.close_prompts(before=now))


async def _deadlines(context: JobContext, now: datetime) -> int:
    return await deadline_watch(context.database, context.registry, context.oncall, now)


JOBS = (
    # Every second: a reminder is queued within about a second of its moment
    # (docs/benchmarks.md); a run that finds nothing due is one indexed read.
    Job("reminders", timedelta(seconds=1), _reminders),
    # Every second: a change to a session is told to its members well within a minute.
    Job("group_notices", timedelta(seconds=1), _group_notices),
    Job("group_reminders", timedelta(seconds=1), _group_reminders),
    Job("call_lists", timedelta(seconds=30), _call_lists),
    Job("call_prompts", timedelta(seconds=1), _call_prompts),
    Job("call_outcomes", timedelta(seconds=5), _call_outcomes),
    # A survey invitation is not urgent: within a minute of the staff move is plenty.
    Job("surveys", timedelta(seconds=30), _surveys),
    Job("expire_idle", timedelta(minutes=5), _expire),
    Job("close_prompts", timedelta(minutes=15), _prompts),
    Job("deadline_watch", timedelta(minutes=10), _deadlines),
    Job("purge_alerts", timedelta(hours=1), _purge),
)


async def run_job(job: Job, context: JobContext, now: datetime) -> int:
    """Run one job; a failure (the database away) is one log line, and the next run retries."""
    try:
        return await job.run(context, now)
    except Exception as exc:  # the next tick tries again
        log.warning(
            "job failed",
            extra={"job": job.name, "error": type(exc).__name__, "at": error_place(exc)},
        )
        return 0


async def tick(context: JobContext, now: datetime) -> dict[str, int]:
    """Run every job once (each decides what is due at `now`); how much each did."""
    return {job.name: await run_job(job, context, now) for job in JOBS}
