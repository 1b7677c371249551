"""Benchmark: planning and queueing reminders for 100,000 appointments, SQLite and PostgreSQL.

Two measurements on each database, with Kith's own job (scheduler/reminders.py) and
store, in this process:

- burst: every appointment's reminder is due at once; one run of the job queues them
  all. Reports the time to queue them and the rate.
- spread: the reminders' moments are spread evenly over `--span` seconds of a virtual
  clock that runs at real speed (a weekday noon, outside quiet hours); the job runs
  every second, as `kith serve` runs it. Lateness is, for each reminder, when the run
  that queued it committed minus its moment; reports p50, p99 and max.

Peak memory is the process's peak resident set (ru_maxrss) after each database.

    python bench/reminders.py [--pg URL] [--count 100000] [--span 100]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bot.storage.database import SqlDatabase, create_engine, upgrade  # noqa: E402
from bot.storage.tables import appointments, outbox, person_addresses, persons  # noqa: E402
from conversations.registry import load_registry  # noqa: E402
from scheduler.reminders import queue_due_reminders  # noqa: E402

LONDON = ZoneInfo("Europe/London")
SERVICE = "thurrock-floating-support"
NOON = datetime(2026, 5, 12, 12, 0, tzinfo=LONDON)  # a Tuesday, far from quiet hours
CHUNK = 5000


async def fresh(url: str) -> AsyncEngine:
    engine = create_engine(url)
    await upgrade(engine, url)
    return engine


async def book(engine: AsyncEngine, moments: list[datetime]) -> None:
    """One person, address and appointment per moment; the next reminder at the moment.

    The appointment is 48 hours (two days, same clock time) after its moment, so the
    moment is its first reminder exactly as the job plans it.
    """
    created = NOON - timedelta(days=7)
    async with engine.begin() as conn:
        for start in range(0, len(moments), CHUNK):
            part = moments[start : start + CHUNK]
            ids = (
                (
                    await conn.execute(
                        insert(persons).returning(persons.c.id, sort_by_parameter_order=True),
                        [{"created_at": created} for _ in part],
                    )
                )
                .scalars()
                .all()
            )
            await conn.execute(
                insert(person_addresses),
                [
                    {
                        "address": f"sms:+447{700000000 + start + n:09d}",
                        "person_id": person,
                        "channel": "sms",
                        "created_at": created,
                    }
                    for n, person in enumerate(ids)
                ],
            )
            await conn.execute(
                insert(appointments),
                [
                    {
                        "person_id": person,
                        "service_id": SERVICE,
                        "starts_at": (moment.astimezone(LONDON) + timedelta(days=2)),
                        "place": "The Hub",
                        "staff_first_name": "Sam",
                        "status": "booked",
                        "revision": 0,
                        "next_reminder_at": moment,
                        "created_at": created,
                        "created_by": "bench",
                    }
                    for person, moment in zip(ids, part, strict=True)
                ],
            )


async def burst(url: str, count: int) -> dict[str, float]:
    engine = await fresh(url)
    database = SqlDatabase(engine)
    registry = load_registry()
    try:
        await book(engine, [NOON] * count)
        began = time.perf_counter()
        counts = await queue_due_reminders(database, registry, NOON + timedelta(seconds=1))
        took = time.perf_counter() - began
        assert counts.queued == count, counts
        return {"seconds": took, "per_second": count / took}
    finally:
        database.close()
        await engine.dispose()


async def spread(url: str, count: int, span: float) -> dict[str, float]:
    engine = await fresh(url)
    database = SqlDatabase(engine)
    registry = load_registry()
    lead = 3.0  # seconds before the first moment
    step = span / count
    moments = [NOON + timedelta(seconds=lead + n * step) for n in range(count)]
    try:
        await book(engine, moments)
        real0 = time.monotonic()

        def virtual() -> datetime:
            return NOON + timedelta(seconds=time.monotonic() - real0)

        queued_at: dict[datetime, datetime] = {}  # the run's `now` -> when it committed
        done = 0
        while done < count:
            tick = time.monotonic()
            now = virtual()
            counts = await queue_due_reminders(database, registry, now)
            if counts.queued:
                queued_at[now] = virtual()
                done += counts.queued
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
        async with engine.connect() as conn:
            rows = (await conn.execute(select(outbox.c.not_before, outbox.c.created_at))).all()
        late = sorted(
            (queued_at[created] - moment).total_seconds()
            for moment, created in ((r[0], r[1]) for r in rows)
        )
        return {
            "p50": statistics.median(late),
            "p99": late[int(len(late) * 0.99) - 1],
            "max": late[-1],
        }
    finally:
        database.close()
        await engine.dispose()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def drop_and_create(admin: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    engine = create_engine(admin)
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="an admin PostgreSQL URL (postgresql+asyncpg://...)")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--span", type=float, default=100.0)
    args = parser.parse_args()
    targets: list[tuple[str, object]] = []
    folder = Path(tempfile.mkdtemp(prefix="kith-bench-"))
    targets.append(("SQLite", lambda n: f"sqlite+aiosqlite:///{folder / f'{n}.db'}"))
    if args.pg:
        targets.append(("PostgreSQL", None))
    print(f"{args.count:,} appointments; spread over {args.span:.0f} s; job every 1 s")
    print("| database | burst: s to queue | per s | spread: p50 s | p99 s | max s | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for name, make in targets:
        if make is None:
            first = await drop_and_create(args.pg, "kith_bench_burst")
            second = await drop_and_create(args.pg, "kith_bench_spread")
        else:
            first, second = make("burst"), make("spread")  # type: ignore[operator]
        b = await burst(first, args.count)
        s = await spread(second, args.count, args.span)
        print(
            f"| {name} | {b['seconds']:.1f} | {b['per_second']:,.0f} | {s['p50']:.2f} "
            f"| {s['p99']:.2f} | {s['max']:.2f} | {peak_mb():.0f} |",
            flush=True,
        )
    _ = UTC


if __name__ == "__main__":
    asyncio.run(main())
