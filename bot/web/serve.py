"""`kith serve`: the web app and the outbox dispatcher in one process."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.settings import Settings
from bot.web.app import create_app
from bot.web.channel import senders_of
from bot.web.channels import build_channels

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
    runner = web.AppRunner(create_app(settings, channels), access_log=None)
    try:
        await runner.setup()  # opens the runtime, starts the dispatcher and the scheduler
        site = web.TCPSite(runner, host, port)
        await site.start()
        log.info("kith serving", extra={"host": host, "port": port})
        for warning in startup_warnings(settings):
            log.warning(warning)
        if "sms" not in senders_of(channels):
            log.warning(
                "SMS replies stay queued in the outbox (`kith outbox list`): missing %s",
                ", ".join(settings.missing_for_sms()),
            )
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def serve(settings: Settings, host: str, port: int) -> int:
    """Run until interrupted."""
    try:
        asyncio.run(_serve(settings, host, port))
    except KeyboardInterrupt:
        pass
    return 0
