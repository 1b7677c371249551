"""The outbox dispatcher: claim due rows, send them after the commit, record the result.

Each row goes `queued` → `sending` → `sent` (or back to `queued` with a later
`not_before` to retry, or `failed`, or `cancelled` when the address opted out).
The claim is committed before the provider is called, and the result in a second
transaction, so a crash can repeat at most the message that was in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.core.ports import Database
from bot.core.sending import Outgoing, PermanentFailure, Sender

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 50


def retry_delay(attempts: int) -> timedelta:
    """Back off 5 s, 25 s, 2 min, 10 min between tries."""
    return timedelta(seconds=5 * 5 ** max(attempts - 1, 0))


class Dispatcher:
    """Sends due outbox rows through the sender of their channel."""

    def __init__(
        self, database: Database, senders: Mapping[str, Sender], clock: Callable[[], datetime]
    ) -> None:
        self.database = database
        self.senders = senders
        self.clock = clock
        self.wake = asyncio.Event()

    async def claim(self, now: datetime, ids: list[int] | None = None) -> list[Outgoing]:
        """Mark due rows of channels with a sender as `sending` and return them."""
        if not self.senders:
            return []
        channels = list(self.senders)
        claimed = await self.database.write(
            lambda store: store.claim_due(now, channels, ids, BATCH)
        )
        return [Outgoing(r.id, r.channel, r.address, r.body, r.meta) for r in claimed]

    async def deliver(self, message: Outgoing) -> datetime | None:
        """Send one claimed message and record what happened.

        Returns when it will be tried again, or None when it is settled (sent or failed).
        """
        sender = self.senders[message.channel]
        values: dict[str, object]
        try:
            result = await sender.send(message)
            values = {
                "status": "sent",
                "sent_at": self.clock(),
                "provider_ref": result.provider_ref,
                "provider_status": result.provider_status,
            }
        except PermanentFailure as failure:
            log.warning(
                "send failed for good", extra={"outbox_id": message.id, "code": failure.code}
            )
            values = {"status": "failed", "error": failure.code, "provider_status": failure.status}
        except Exception as exc:  # any other error is worth another try
            log.warning(
                "send failed, will retry",
                extra={"outbox_id": message.id, "error": type(exc).__name__},
            )
            values = await self._retry_values(message.id, type(exc).__name__)
        await self.database.write(lambda store: store.record_send(message.id, **values))
        retry_at = values.get("not_before")
        return retry_at if isinstance(retry_at, datetime) else None

    async def _retry_values(self, outbox_id: int, error: str) -> dict[str, object]:
        attempts = await self.database.read(lambda store: store.attempts(outbox_id))
        if attempts >= MAX_ATTEMPTS:
            return {"status": "failed", "error": error[:200]}
        return {
            "status": "queued",
            "error": error[:200],
            "not_before": self.clock() + retry_delay(attempts),
        }

    async def run_once(self, ids: list[int] | None = None) -> int:
        """Claim and send what is due now; returns how many were sent or tried."""
        claimed = await self.claim(self.clock(), ids)
        held: dict[str, datetime] = {}
        for message in claimed:
            if message.address in held:
                # An earlier message to this person will be retried: keep the order.
                await self._hold(message.id, held[message.address])
                continue
            retry_at = await self.deliver(message)
            if retry_at is not None:
                held[message.address] = retry_at
        return len(claimed)

    async def _hold(self, outbox_id: int, until: datetime) -> None:
        await self.database.write(lambda store: store.hold(outbox_id, until))

    async def recover(self) -> int:
        """At start: rows left `sending` by a crash go back to the queue (may repeat once)."""
        return await self.database.write(lambda store: store.requeue_sending())

    async def run_forever(self, poll_seconds: float = 5.0) -> None:
        """Send as rows become due; `wake` is set when new rows are queued."""
        await self.recover()
        while True:
            try:
                while await self.run_once():
                    pass
            except Exception as exc:  # the database away, a bug: one line, then try again
                log.warning("dispatch failed; trying again", extra={"error": type(exc).__name__})
                await asyncio.sleep(poll_seconds)
                continue
            try:
                await asyncio.wait_for(self.wake.wait(), poll_seconds)
            except TimeoutError:
                pass
            self.wake.clear()
