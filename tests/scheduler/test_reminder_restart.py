"""A `kith serve` killed (SIGKILL) between queueing a reminder and sending it (issue 13).

The reminder is in the outbox, committed with its idempotency key; the process that
starts after queues nothing twice, and the appointment's next reminder is the 2 h one.
"""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import KITH, Kith
from tests.scheduler.test_reminder_processes import free_port

LONDON = ZoneInfo("Europe/London")
SESSION = datetime(2026, 6, 17, 11, 0, tzinfo=LONDON)
FIRST = SESSION - timedelta(days=2)  # the 48 h reminder's moment


async def serve(kith: Kith, clock: datetime) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        KITH,
        "serve",
        "--port",
        str(free_port()),
        env={**kith.env, "KITH_CLOCK": clock.isoformat()},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def reminders(kith: Kith) -> list[tuple[str, str]]:
    query = "SELECT status, idempotency_key FROM outbox WHERE kind = 'reminder'"
    return [(str(r[0]), str(r[1])) for r in await asyncio.to_thread(kith.sql, query)]


async def test_a_kill_9_after_queueing_repeats_nothing(kith_sqlite: Kith) -> None:
    kith_sqlite.run(
        "appointments",
        "add",
        "--service",
        "thurrock-floating-support",
        "--phone",
        "07700900123",
        "--at",
        "2026-06-17 11:00",
        "--place",
        "Grays Hub",
        "--with",
        "Sam",
        "--by",
        "Asha",
        env={"KITH_CLOCK": "2026-06-01T09:00:00+00:00"},
    )
    first = await serve(kith_sqlite, FIRST - timedelta(seconds=1))
    for _ in range(300):
        if await reminders(kith_sqlite):
            break
        await asyncio.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert len(await reminders(kith_sqlite)) == 1
    second = await serve(kith_sqlite, FIRST + timedelta(seconds=30))
    await asyncio.sleep(4)  # its jobs run at start, then every second
    second.send_signal(signal.SIGINT)
    await asyncio.wait_for(second.wait(), 30)
    (row,) = await reminders(kith_sqlite)
    assert row[0] == "queued"  # no sender configured: waiting for one, kept
    listed = json.loads(
        kith_sqlite.run(
            "appointments", "list", "--json", env={"KITH_CLOCK": "2026-06-16T09:00:00+00:00"}
        ).stdout
    )
    after = datetime.fromisoformat(listed[0]["next_reminder_at"])
    assert after == SESSION - timedelta(hours=2)
