"""`kith scheduler tick`: run every due job once and exit (cron, and tests with KITH_CLOCK)."""

from __future__ import annotations

import json

from bot.runtime import open_runtime
from bot.settings import Settings
from scheduler.jobs import JobContext, tick


async def run_tick(settings: Settings, as_json: bool) -> int:
    """Run each job once at the current time; print what each did."""
    async with open_runtime(settings) as runtime:
        context = JobContext(runtime.database, runtime.registry, settings.oncall)
        done = await tick(context, runtime.clock())
    if as_json:
        print(json.dumps(done))
    else:
        print(" ".join(f"{name}={count}" for name, count in done.items()))
    return 0
