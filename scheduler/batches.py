"""The loop every queueing job shares: a cheap read first, then batches until none is left.

Each batch is one write transaction that claims due rows (SKIP LOCKED on PostgreSQL, a
conditional update on both) and queues their messages, so any number of processes can
run the same job and each message is queued once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.ports import Database, Store

log = logging.getLogger(__name__)


async def queue_in_batches(
    database: Database,
    anything_due: Callable[[Store], bool],
    batch: Callable[[Store], tuple[int, int]],
    what: str,
) -> int:
    """Run `batch` (rows claimed, rows queued) until it claims nothing; how many were queued.

    `anything_due` is read first so an idle tick costs one read, not a write transaction.
    """
    if not await database.read(anything_due):
        return 0
    queued = 0
    while True:
        taken, rows = await database.write(batch)
        queued += rows
        if not taken:
            break
    if queued:
        log.info("%s queued", what, extra={"count": queued})
    return queued
