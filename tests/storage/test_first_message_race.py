"""Two processes, one new person, at once, on PostgreSQL: the unique-key race is retried.

Issue 11 (9). INTERFACES "Jobs and many processes": any number of Kith processes may run
against one PostgreSQL database. Two first messages from the same new address, handled
by two `kith chat` processes, both find no participant and no person and both insert
one; the second insert waits for the first transaction and then fails on the unique
address. `SqlDatabase.write` runs the loser's unit of work again, and it then sees the
person the other process made.

To make the race certain rather than lucky, the test holds a lock on `staff_alerts`
(written after the person and participant rows, for crisis words) until both processes
are waiting on a lock, then lets go.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import KITH, Kith

SERVICE = "kirklees-carers-options"
ADDRESS = "console:race"
CRISIS = "I want to end my life"


async def _connect(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
        timeout=5,
    )


async def _waiting(conn: asyncpg.Connection) -> int:
    """Backends of this database waiting for a lock."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND a.datname = current_database()"
        )
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_with_one_new_persons_first_message(kith: Kith) -> None:
    chats, outputs = asyncio.run(_race(kith))
    for chat, (stdout, stderr) in zip(chats, outputs, strict=True):
        assert chat.returncode == 0, stderr.decode()
        assert "Traceback" not in stderr.decode()
        assert b"Thank you for telling us" in stdout  # each got the crisis routes
    # One person and one conversation; both alerts are theirs.
    assert kith.sql("SELECT address FROM person_addresses") == [(ADDRESS,)]
    assert kith.sql("SELECT count(*) FROM participants") == [(1,)]
    alerts = kith.sql(
        "SELECT a.kind, a.person_id = p.person_id FROM staff_alerts a, person_addresses p"
    )
    assert alerts == [("crisis", True), ("crisis", True)]


async def _race(
    kith: Kith,
) -> tuple[list[asyncio.subprocess.Process], list[tuple[bytes, bytes]]]:
    """Both `kith chat` processes send crisis words as their first message, at once."""
    url = kith.env["KITH_DATABASE_URL"]
    holder, watcher = await _connect(url), await _connect(url)
    chats = []
    try:
        hold = holder.transaction()
        await hold.start()
        await holder.execute("LOCK TABLE staff_alerts IN EXCLUSIVE MODE")
        for _ in range(2):
            chats.append(
                await asyncio.create_subprocess_exec(
                    KITH,
                    *("chat", "--service", SERVICE, "--json", "--from", ADDRESS),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    env=kith.env,
                )
            )
        for chat in chats:
            assert chat.stdin is not None
            chat.stdin.write(f"{CRISIS}\n".encode())
            await chat.stdin.drain()
        # One waits on the alert table, the other on the first one's new address.
        deadline = time.monotonic() + 120
        # (Watched from another connection: a transaction sees pg_locks as it first did.)
        while await _waiting(watcher) < 2:
            assert time.monotonic() < deadline, "the two processes never met"
            await asyncio.sleep(0.05)
        await hold.rollback()
        outputs = []
        for chat in chats:
            assert chat.stdin is not None
            chat.stdin.close()
            outputs.append(await asyncio.wait_for(chat.communicate(), 60))
    finally:
        for chat in chats:
            if chat.returncode is None:
                chat.kill()
                await chat.wait()
        await holder.close()
        await watcher.close()
    return chats, outputs
