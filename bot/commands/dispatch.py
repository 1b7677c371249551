"""`kith dispatch`: only the outbox dispatcher, for deployments that run it apart.

Any number may run beside `kith serve` on one PostgreSQL database: claims are leases,
so no message is sent twice.
"""

from __future__ import annotations

import asyncio
import logging

from bot.runtime import dispatching, open_runtime
from bot.settings import Settings
from bot.web.channel import close_all, senders_of
from bot.web.channels import build_channels

log = logging.getLogger(__name__)


async def _dispatch(settings: Settings) -> int:
    channels = build_channels(settings)
    senders = senders_of(channels)
    if not senders:
        log.error("no channel can send: set Twilio or Telegram credentials (see the README)")
        return 2
    try:
        async with open_runtime(settings, senders) as runtime, dispatching(runtime):
            log.info("kith dispatching", extra={"channels": ",".join(sorted(senders))})
            await asyncio.Event().wait()
    finally:
        await close_all(channels)
    return 0


def dispatch(settings: Settings) -> int:
    """Run the dispatcher until interrupted."""
    try:
        return asyncio.run(_dispatch(settings))
    except KeyboardInterrupt:
        return 0
