"""Benchmark: the outbox dispatcher against the Twilio fake, on SQLite and PostgreSQL.

The fake (tests/fakes/twilio_fake.py, Twilio's real wire format) runs in its own
process and takes DELAY seconds a call; the dispatcher is Kith's own, with the real
twilio client and the real store, in this process. Scenarios:

- default: Kith's default SMS pace (one segment a second a sender, after a burst);
- unthrottled: the rate limit lifted, `--in-flight` sends at once, 100 ms a call;
- no delay: as fast as the store and client go (0 ms a call);
- throttled: a configured rate; the achieved rate (after the burst, between the first
  and the last send, from the rows' `sent_at`) should be within 2% of it;
- urgent under load: 50,000 bulk rows queued, urgent rows queued 10 a second while
  they drain; p50/p99 from queueing to sent for the urgent ones.

    python bench/dispatch.py [--pg URL] [--rows 3000] [--in-flight 64] [--bulk 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bot.channels.sms_twilio import TwilioSender  # noqa: E402
from bot.core.records import OutboundRow  # noqa: E402
from bot.core.sending import DEFAULT_PACES, Pace  # noqa: E402
from bot.delivery.dispatcher import Dispatcher  # noqa: E402
from bot.storage.database import SqlDatabase, create_engine, upgrade  # noqa: E402
from bot.storage.tables import outbox  # noqa: E402

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "test-auth-token"
FAKE = f"""
import asyncio, sys
sys.path.insert(0, {str(ROOT)!r})
from tests.fakes.twilio_fake import TwilioFake

async def main() -> None:
    fake = TwilioFake({SID!r}, {TOKEN!r})
    fake.delay = float(sys.argv[2])
    from aiohttp import web
    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{{sid}}/Messages.json", fake._create_message)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1]), backlog=1024).start()
    await asyncio.Event().wait()

asyncio.run(main())
"""


def now() -> datetime:
    return datetime.now(UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Fake:
    """The Twilio fake in its own process."""

    def __init__(self, delay: float) -> None:
        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, "-c", FAKE, str(self.port), str(delay)])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the Twilio fake did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


async def fresh_database(url: str | None) -> tuple[str, SqlDatabase]:
    if url is None:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='kith-bench-')}/kith.db"
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
    await upgrade(engine, url)
    return url, SqlDatabase(engine)


def rows(count: int, priority: str = "normal", start: int = 0) -> list[OutboundRow]:
    moment = now()
    return [
        OutboundRow(
            "sms",
            f"sms:+4477{n:08d}",
            f"Your call is at 2pm on Thursday. Reply C to cancel. ({n})",
            "reminder" if priority != "urgent" else "reply",
            priority,
            None,
            moment,
            quiet_exempt=True,  # the benchmark runs at any hour
        )
        for n in range(start, start + count)
    ]


async def count_sent(database: SqlDatabase) -> int:
    def run(store: object) -> int:
        conn = store.conn  # type: ignore[attr-defined]
        query = select(func.count()).select_from(outbox).where(outbox.c.status == "sent")
        return int(conn.execute(query).scalar_one())

    return await database.read(run)


async def run_until(dispatcher: Dispatcher, done: Callable[[], object], limit: float) -> float:
    """Run the dispatcher's own loop until `done()` is true; the seconds it took."""
    started = time.perf_counter()
    task = asyncio.create_task(dispatcher.run_forever(0.05))
    try:
        while time.perf_counter() - started < limit:
            if await done():  # type: ignore[misc]
                break
            await asyncio.sleep(0.1)  # polling the database costs the dispatcher too
        return time.perf_counter() - started
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass


async def analyse(database: SqlDatabase) -> None:
    """What PostgreSQL's autovacuum does within a minute of a burst (migration 0005)."""

    def run(store: object) -> None:
        conn = store.conn  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE outbox")

    await database.write(run)


async def paced_rate(database: SqlDatabase, burst: float) -> float:
    """The rate the bucket let sends go at: after the burst, between the first and last send.

    Read from the rows' `sent_at`, so the benchmark's own polling is not counted.
    """

    def run(store: object) -> tuple[int, datetime, datetime]:
        conn = store.conn  # type: ignore[attr-defined]
        sent = outbox.c.sent_at
        query = select(func.count(), func.min(sent), func.max(sent)).where(
            outbox.c.status == "sent"
        )
        count, first, last = conn.execute(query).one()
        return int(count), first, last

    count, first, last = await database.read(run)
    return (count - burst) / (last - first).total_seconds()


async def throughput(
    db_url: str | None,
    fake: Fake,
    pace: Pace,
    count: int,
    limit: float,
    fresh_stats: bool = True,
    paced: bool = False,
) -> float:
    _, database = await fresh_database(db_url)
    await database.write(lambda store: store.queue(rows(count), now()))
    if fresh_stats:
        await analyse(database)
    sender = TwilioSender(SID, TOKEN, "+447700900001", None, fake.url)
    dispatcher = Dispatcher(database, {"sms": sender}, now, paces={"sms": pace})
    try:

        async def done() -> bool:
            return await count_sent(database) >= count

        seconds = await run_until(dispatcher, done, limit)
        if paced:
            return await paced_rate(database, pace.burst)
        sent = await count_sent(database)
        return sent / seconds
    finally:
        await sender.close()
        database.close()


async def urgent_latency(
    db_url: str | None, fake: Fake, pace: Pace, bulk: int, urgent: int
) -> tuple[float, float, int]:
    _, database = await fresh_database(db_url)
    for start in range(0, bulk, 5000):
        batch = rows(min(5000, bulk - start), "bulk", start)
        await database.write(lambda store, batch=batch: store.queue(batch, now()))
    await analyse(database)
    sender = TwilioSender(SID, TOKEN, "+447700900001", None, fake.url)
    dispatcher = Dispatcher(database, {"sms": sender}, now, paces={"sms": pace})
    task = asyncio.create_task(dispatcher.run_forever(0.05))
    try:
        for n in range(urgent):
            await database.write(
                lambda store, n=n: store.queue(rows(1, "urgent", 90_000_000 + n), now())
            )
            dispatcher.wake.set()
            await asyncio.sleep(0.1)

        def urgent_rows(store: object) -> list[tuple[datetime, datetime | None]]:
            conn = store.conn  # type: ignore[attr-defined]
            query = select(outbox.c.created_at, outbox.c.sent_at).where(
                outbox.c.priority == "urgent"
            )
            return [(r.created_at, r.sent_at) for r in conn.execute(query)]

        for _ in range(200):
            found = await database.read(urgent_rows)
            if all(sent for _, sent in found):
                break
            await asyncio.sleep(0.05)
        bulk_sent = await count_sent(database) - len(found)
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        await sender.close()
        database.close()
    waits = sorted((sent - made).total_seconds() for made, sent in found if sent)
    p50 = waits[len(waits) // 2]
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
    return p50, p99, bulk_sent


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", help="a PostgreSQL URL (its public schema is emptied)")
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--bulk", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    databases: list[tuple[str, str | None]] = [] if args.no_sqlite else [("SQLite", None)]
    if args.pg:
        databases.append(("PostgreSQL", args.pg))
    free = Pace(rate=1e9, burst=1e9, in_flight=args.in_flight)
    slow, fast = Fake(0.1), Fake(0.0)
    try:
        for name, url in databases:
            default = DEFAULT_PACES["sms"]
            n = 25
            rate = await throughput(url, slow, default, n, 120)
            print(
                f"{name}: default pace ({default.rate}/s, burst {default.burst}), "
                f"100 ms calls: {rate:.2f} sends/s over {n}"
            )
            rate = await throughput(url, slow, free, args.rows, 120)
            print(
                f"{name}: unthrottled, {args.in_flight} in flight, 100 ms calls: {rate:.0f} sends/s"
            )
            rate = await throughput(url, fast, free, args.rows, 120)
            print(f"{name}: unthrottled, 0 ms calls: {rate:.0f} sends/s")
            if url:
                rate = await throughput(url, fast, free, args.rows, 120, fresh_stats=False)
                print(f"{name}: the same, before statistics catch up with the burst: {rate:.0f}/s")
            limited = Pace(rate=args.rate, burst=max(1.0, args.rate / 10), in_flight=args.in_flight)
            rate = await throughput(url, fast, limited, int(args.rate * 10), 120, paced=True)
            off = (rate - args.rate) / args.rate * 100
            print(f"{name}: throttled at {args.rate:.0f}/s: {rate:.1f} sends/s ({off:+.1f}%)")
            p50, p99, bulk_sent = await urgent_latency(url, slow, free, args.bulk, 100)
            print(
                f"{name}: {args.bulk} bulk queued, 100 urgent at 10/s, 100 ms calls: urgent "
                f"queue-to-sent p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
                f"({bulk_sent} bulk sent meanwhile)"
            )
    finally:
        slow.close()
        fast.close()


if __name__ == "__main__":
    asyncio.run(main())
