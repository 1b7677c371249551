"""`kith serve`: the web app and the outbox dispatcher in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from bot.runtime import build_channels, open_runtime
from bot.settings import Settings, SettingsError
from bot.tasks import start_supervised
from bot.web.app import create_app
from scheduler.runner import start_scheduler

log = logging.getLogger(__name__)


def startup_warnings(settings: Settings) -> list[str]:
    """What `kith serve` warns about at start (each one line)."""
    warnings = []
    if settings.clock is not None:
        warnings.append(
            "KITH_CLOCK is set: this process runs on a FAKE clock (tests only); "
            "deadlines and quiet hours are wrong for real people. Unset it in production."
        )
    if not settings.oncall:
        warnings.append(
            "KITH_ONCALL is empty: crisis and person-requested alerts reach no one on call "
            "(they wait in `kith alerts list`)"
        )
    return warnings


async def _serve(settings: Settings, host: str, port: int) -> None:
    channels = build_channels(settings)
    senders = channels.senders
    async with open_runtime(settings, senders) as runtime:
        enabled = {s.id for s in runtime.registry.enabled()}
        if settings.default_service and settings.default_service not in enabled:
            raise SettingsError(
                f"KITH_DEFAULT_SERVICE {settings.default_service!r} is not an enabled service "
                "(see `kith services list`)"
            )
        runner = web.AppRunner(create_app(runtime, channels.telegram), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        log.info("kith serving", extra={"host": host, "port": port})
        for warning in startup_warnings(settings):
            log.warning(warning)
        if "sms" not in senders:
            log.warning(
                "SMS replies stay queued in the outbox (`kith outbox list`): missing %s",
                ", ".join(settings.missing_for_sms()),
            )
        dispatching = start_supervised(runtime.tasks, "dispatcher", runtime.dispatcher.run_forever)
        jobs = start_scheduler(runtime)
        try:
            await asyncio.Event().wait()
        finally:
            jobs.shutdown(wait=False)
            dispatching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dispatching
            await runner.cleanup()
            await channels.close()


def serve(settings: Settings, host: str, port: int) -> int:
    """Run until interrupted."""
    try:
        asyncio.run(_serve(settings, host, port))
    except KeyboardInterrupt:
        pass
    return 0
