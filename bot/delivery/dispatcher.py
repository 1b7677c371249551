"""The outbox dispatcher: lease due rows, send them at the provider's pace, record results.

Each row goes `queued` → `sending` → `sent` (or back to `queued` with a later
`not_before` to retry, or `failed`, or `cancelled` when the address opted out or the
message is too late). The lease is committed before the provider is called, and the
result in a second transaction, so a crash repeats at most the messages in flight.

Per channel: a token bucket paces the sends (SMS: one token per segment), up to
`in_flight` sends run at once, each under a timeout, and the store hands out each
person's messages one at a time and in order (see `bot.storage.outbox_queries`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from bot.core.ports import Database, Store
from bot.core.quiet_hours import DEFAULT_QUIET_HOURS, in_quiet_hours, release_time
from bot.core.records import QuietPlan, Sent
from bot.core.sending import (
    DEFAULT_PACES,
    UNLIMITED,
    Outgoing,
    Pace,
    PermanentFailure,
    ProviderUnavailable,
    RetryLater,
    Sender,
)
from bot.delivery.group_commit import GroupCommit
from bot.delivery.pacing import TokenBucket

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LEASE = timedelta(seconds=60)  # far longer than a send's timeout
RECOVER_EVERY = timedelta(seconds=15)
UNAVAILABLE_FIRST = timedelta(seconds=30)
UNAVAILABLE_MOST = timedelta(minutes=10)


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
    """Exponential backoff with full jitter: up to 5 s, 20 s, 80 s, 5 min, 20 min."""
    ceiling = 5 * 4 ** max(attempts - 1, 0)
    return timedelta(seconds=max(1.0, min(ceiling, 1200) * rand()))


@dataclass
class _Lane:
    channel: str
    sender: Sender
    pace: Pace
    bucket: TokenBucket
    flying: set[asyncio.Task[None]] = field(default_factory=set)
    unavailable_until: datetime | None = None
    unavailable_for: timedelta = UNAVAILABLE_FIRST
    bell: asyncio.Event = field(default_factory=asyncio.Event)
    last_to: dict[str, float] = field(default_factory=dict)  # address: monotonic time

    async def keep_gap(self, address: str) -> None:
        """Wait until the pace's gap since the last message to `address` has passed."""
        if self.pace.person_gap <= 0:
            return
        loop = asyncio.get_running_loop()
        wait = self.last_to.get(address, -1e9) + self.pace.person_gap - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self.last_to[address] = loop.time()
        if len(self.last_to) > 10_000:  # forget people not messaged within the gap
            horizon = loop.time() - self.pace.person_gap
            self.last_to = {a: t for a, t in self.last_to.items() if t > horizon}


class Dispatcher:
    """Sends due outbox rows through the sender of their channel."""

    def __init__(
        self,
        database: Database,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime],
        paces: Mapping[str, Pace] | None = None,
        quiet_hours: Mapping[str, tuple[time, time]] | None = None,
        owner: str | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.quiet_hours = dict(quiet_hours or {})
        self.owner = owner or f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        paces = {**DEFAULT_PACES, **(paces or {})}
        self.lanes = {
            channel: _Lane(channel, sender, pace, TokenBucket(pace.rate, pace.burst))
            for channel, sender in senders.items()
            for pace in [paces.get(channel, UNLIMITED)]
        }
        self.wake = Wake(self.lanes)
        self.results = GroupCommit(database)
        self.beat: datetime | None = None  # when the loop last went round
        self._recovered_at: datetime | None = None

    # Claiming.

    def _quiet(self, now: datetime) -> QuietPlan:
        """What waits for the end of quiet hours now (each service's, else the default)."""
        services = {}
        for service_id, hours in self.quiet_hours.items():
            if in_quiet_hours(now, hours):
                services[service_id] = release_time(now, hours)
        others = release_time(now, DEFAULT_QUIET_HOURS)
        return QuietPlan(services, others if others > now else None, tuple(self.quiet_hours))

    async def _claim(self, lane: _Lane, limit: int, ids: list[int] | None) -> list[Outgoing]:
        now = self.clock()
        if lane.unavailable_until is not None and now < lane.unavailable_until:
            return []
        quiet = self._quiet(now)
        claimed = await self.database.write(
            lambda store: store.claim(now, lane.channel, limit, self.owner, now + LEASE, quiet, ids)
        )
        return [
            Outgoing(r.id, r.channel, r.address, r.body, r.meta, r.segments or 1) for r in claimed
        ]

    async def recover(self) -> int:
        """Rows whose lease expired (a process died) go back to the queue (may repeat once)."""
        now = self.clock()
        self._recovered_at = now
        return await self.database.write(lambda store: store.recover_leases(now, self.owner, False))

    # Sending.

    async def _deliver(self, lane: _Lane, message: Outgoing) -> None:
        """Send one leased message and record what happened."""
        try:
            await lane.keep_gap(message.address)
            async with asyncio.timeout(lane.pace.timeout):
                result = await lane.sender.send(message)
        except PermanentFailure as failure:
            log.warning(
                "send failed for good", extra={"outbox_id": message.id, "code": failure.code}
            )
            code, status, now = failure.code, failure.status, self.clock()

            def failed(store: Store) -> None:
                store.record_send(message.id, status="failed", error=code, provider_status=status)
                if status == "unreachable":
                    store.mark_unreachable(message.address, now)

            await self.results.write(failed)
        except ProviderUnavailable as exc:
            await self._unavailable(lane, message, exc.code)
        except (RetryLater, TimeoutError) as exc:
            code = exc.code if isinstance(exc, RetryLater) else "timeout"
            after = exc.after if isinstance(exc, RetryLater) else None
            if after:
                lane.bucket.pause(after)  # the provider asked the whole channel to slow down
            await self._retry(message, code, after)
        except Exception as exc:  # anything else may pass: try again later
            await self._retry(message, type(exc).__name__, None)
        else:
            lane.unavailable_for = UNAVAILABLE_FIRST
            sent_at = self.clock()
            await self.results.sent(
                Sent(message.id, sent_at, result.provider_ref, result.provider_status)
            )

    async def _retry(self, message: Outgoing, code: str, after: float | None) -> None:
        log.warning(
            "send failed, will retry",
            extra={"outbox_id": message.id, "code": code, "retry_after": after},
        )
        now = self.clock()

        def record(store: Store) -> None:
            attempts = store.attempts(message.id)
            if attempts >= MAX_ATTEMPTS:
                store.record_send(message.id, status="failed", error=code[:200])
                return
            wait = backoff(attempts)
            if after is not None:
                wait = max(wait, timedelta(seconds=after))
            until = now + wait
            store.record_send(message.id, status="queued", error=code[:200], not_before=until)
            store.hold_later(message.id, message.address, until)

        await self.results.write(record)

    async def _unavailable(self, lane: _Lane, message: Outgoing, code: str) -> None:
        """Hold the message, unspent, and pause the channel; alert staff once."""
        now = self.clock()
        until = now + lane.unavailable_for
        first = lane.unavailable_until is None
        lane.unavailable_until = until
        lane.unavailable_for = min(lane.unavailable_for * 2, UNAVAILABLE_MOST)
        log.error(
            "provider unavailable; holding messages",
            extra={"channel": lane.channel, "code": code, "until": until.isoformat()},
        )

        def record(store: Store) -> None:
            store.hold(message.id, until, refund=True)
            store.hold_later(message.id, message.address, until)
            if first:
                store.add_alert_once("provider_unavailable", None, lane.channel, now, code)

        await self.results.write(record)

    # Loops.

    async def run_once(self, ids: list[int] | None = None) -> int:
        """Claim what is due on each channel (up to its sends at once), send it, wait.

        Returns how many messages were claimed.
        """
        total = 0
        async with asyncio.TaskGroup() as sends:
            for lane in self.lanes.values():
                for message in await self._claim(lane, lane.pace.in_flight, ids):
                    await lane.bucket.take(message.segments)
                    sends.create_task(self._deliver(lane, message))
                    total += 1
        return total

    async def drain(self, ids: list[int] | None = None) -> int:
        """Send until nothing (of `ids`) is due; returns how many were claimed."""
        total = 0
        while claimed := await self.run_once(ids):
            total += claimed
        return total

    async def run_forever(self, poll_seconds: float = 5.0) -> None:
        """Keep every channel's sends filled as rows become due (`wake` on new rows).

        Raises when the database fails; the supervisor starts it again. Messages this
        dispatcher held come back at once, other processes' when their leases expire.
        """
        now = self.clock()
        self._recovered_at = now
        await self.database.write(lambda store: store.recover_leases(now, self.owner, True))
        if not self.lanes:  # no channel can send (no credentials): messages wait, listed
            await asyncio.Event().wait()
        async with asyncio.TaskGroup() as feeders:
            for lane in self.lanes.values():
                feeders.create_task(self._feed(lane, poll_seconds))

    async def _feed(self, lane: _Lane, poll_seconds: float) -> None:
        """One channel: start sends as places, tokens and due messages allow."""
        async with asyncio.TaskGroup() as sends:
            while True:
                self.beat = self.clock()
                if self.beat - (self._recovered_at or self.beat) >= RECOVER_EVERY:
                    await self.recover()
                if await self._fill(lane, sends):
                    continue
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                # cancellation that lands as the bell rings, and the loop would never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(poll_seconds):
                        await lane.bell.wait()
                lane.bell.clear()

    async def _fill(self, lane: _Lane, sends: asyncio.TaskGroup) -> int:
        """Start as many sends on `lane` as it has free places and tokens for."""
        free = lane.pace.in_flight - len(lane.flying)
        if free <= 0 or (lane.flying and free < lane.pace.in_flight // 4):
            return 0  # claim in batches: each claim is a transaction
        await lane.bucket.take(1)  # claim only what can go now: later urgent rows go first
        claimed = await self._claim(lane, min(free, 1 + int(lane.bucket.available())), None)
        if not claimed:
            lane.bucket.give_back(1)
        for n, message in enumerate(claimed):
            tokens = message.segments - (1 if n == 0 else 0)
            if tokens > 0:
                await lane.bucket.take(tokens)
            task = sends.create_task(self._deliver(lane, message))
            lane.flying.add(task)
            task.add_done_callback(functools.partial(self._landed, lane))
        return len(claimed)

    def _landed(self, lane: _Lane, task: asyncio.Task[None]) -> None:
        lane.flying.discard(task)
        lane.bell.set()  # a place is free, and the person's next message may be due


class Wake:
    """Rings every channel's bell: new rows were queued."""

    def __init__(self, lanes: Mapping[str, _Lane]) -> None:
        self._lanes = lanes

    def set(self) -> None:
        """Tell every channel to look for due rows now."""
        for lane in self._lanes.values():
            lane.bell.set()
