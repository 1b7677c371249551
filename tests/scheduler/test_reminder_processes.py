"""Two `kith serve` processes on one PostgreSQL database queue each reminder once (issue 13)."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.ports import Store
from bot.staff import appointments as staff
from bot.storage.database import SqlDatabase, create_engine
from conversations.registry import load_registry
from tests.conftest import KITH, Kith

SERVICE = "thurrock-floating-support"
BOOKED_AT = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
FIRST = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)  # 10:00 BST, a Monday
COUNT = 1500


async def book(url: str) -> None:
    """COUNT appointments, a minute apart, each for its own person."""
    service = load_registry().services[SERVICE]
    engine = create_engine(url)
    database = SqlDatabase(engine)

    def work(store: Store) -> None:
        for n in range(COUNT):
            person, _ = staff.person_for(store, BOOKED_AT, f"+4477009{n:05d}")
            at = FIRST + timedelta(minutes=n)
            staff.add(store, service, person, None, at, "The Hub", "Sam", "test", BOOKED_AT)

    try:
        await database.write(work)
    finally:
        database.close()
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_serve_processes_queue_each_reminder_once(kith: Kith) -> None:
    await book(kith.env["KITH_DATABASE_URL"])
    # Every 48 h reminder is due (the last one's moment has just come); the 2 h ones not.
    clock = (FIRST + timedelta(minutes=COUNT) - timedelta(hours=48)).isoformat()
    processes = [
        await asyncio.create_subprocess_exec(
            KITH,
            "serve",
            "--port",
            str(free_port()),
            env={**kith.env, "KITH_CLOCK": clock},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        for _ in range(600):
            rows = await asyncio.to_thread(
                kith.sql, "SELECT count(*) FROM outbox WHERE kind = 'reminder'"
            )
            if rows[0][0] >= COUNT:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # a reminder queued twice would be there by now
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        logs = [(await asyncio.wait_for(p.communicate(), 30))[1].decode() for p in processes]
    keys = await asyncio.to_thread(
        kith.sql, "SELECT idempotency_key, address FROM outbox WHERE kind = 'reminder'"
    )
    assert len(keys) == COUNT
    per_person = Counter(address for _, address in keys)
    assert max(per_person.values()) == 1
    waiting = await asyncio.to_thread(
        kith.sql,
        "SELECT count(*) FROM appointments WHERE next_reminder_at > now() - interval '1 year'",
    )
    assert waiting[0][0] == COUNT  # each moved on to its 2 h reminder
    # What the processes say they queued adds up to each reminder once.
    said = [int(n) for log in logs for n in re.findall(r"reminders queued count=(\d+)", log)]
    assert sum(said) == COUNT
