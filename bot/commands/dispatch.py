"""`kith dispatch`: only the outbox dispatcher, for deployments that run it apart.

Any number may run beside `kith serve` on one PostgreSQL database: claims are leases,
so no message is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.runtime import build_channels, open_runtime
from bot.settings import Settings
from bot.tasks import start_supervised

log = logging.getLogger(__name__)


async def _dispatch(settings: Settings) -> int:
    channels = build_channels(settings)
    senders = channels.senders
    if not senders:
        log.error("no channel can send: set Twilio or Telegram credentials (see the README)")
        return 2
    try:
        async with open_runtime(settings, senders) as runtime:
            log.info("kith dispatching", extra={"channels": ",".join(sorted(senders))})
            task = start_supervised(runtime.tasks, "dispatcher", runtime.dispatcher.run_forever)
            try:
                await asyncio.Event().wait()
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        await channels.close()
    return 0


def dispatch(settings: Settings) -> int:
    """Run the dispatcher until interrupted."""
    try:
        return asyncio.run(_dispatch(settings))
    except KeyboardInterrupt:
        return 0
