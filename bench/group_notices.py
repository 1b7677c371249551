"""Benchmark: notices of one session change for a 500-member group, SQLite and PostgreSQL.

Kith's own staff use case records the change (bot/staff/groups.py) and its own job
(scheduler/group_notices.py) queues the notices, with the real store, in this process.
Reports the seconds from the start of the job's run to its last commit (the issue asks
for under a second), over `--runs` fresh databases.

    python bench/group_notices.py [--pg ADMIN_URL] [--members 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.reminders import drop_and_create, fresh  # noqa: E402
from bot.core.ports import Store  # noqa: E402
from bot.staff import groups as staff  # noqa: E402
from bot.storage.database import SqlDatabase  # noqa: E402
from conversations.registry import load_registry  # noqa: E402
from scheduler.group_notices import queue_group_notices  # noqa: E402

LONDON = ZoneInfo("Europe/London")
SERVICE = "derby-peer-support"
NOW = datetime(2026, 3, 8, 12, 0, tzinfo=LONDON)  # Sunday; the session is Tuesday 10 March


async def once(url: str, members: int) -> float:
    engine = await fresh(url)
    database = SqlDatabase(engine)
    service = load_registry().services[SERVICE]
    first = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)

    def setup(store: Store) -> None:
        group_id = store.add_group(
            SERVICE, "bench", "Market Street centre", "weekly", first, NOW, "b"
        )
        for n in range(members):
            address = f"sms:+447700{n:06d}"
            person = store.add_person(address, "sms", NOW)
            store.add_member(group_id, person, address, "ur" if n % 2 else "en", False, NOW, "b")
        staff.change_session(
            store, service, group_id, date(2026, 3, 10), True, None, None, "b", NOW
        )

    try:
        await database.write(setup)
        began = time.perf_counter()
        queued = await queue_group_notices(database, NOW + timedelta(seconds=1))
        took = time.perf_counter() - began
        assert queued == members, queued
        return took
    finally:
        database.close()
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="an admin PostgreSQL URL (postgresql+asyncpg://...)")
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    targets = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            targets.append(("SQLite", f"sqlite+aiosqlite:///{Path(folder) / f'b{run}.db'}"))
        if args.pg:
            for run in range(args.runs):
                targets.append(("PostgreSQL", await drop_and_create(args.pg, f"kith_bench_g{run}")))
        results: dict[str, list[float]] = {}
        for name, url in targets:
            results.setdefault(name, []).append(await once(url, args.members))
        if args.pg:
            from sqlalchemy import text

            from bot.storage.database import create_engine

            engine = create_engine(args.pg)
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                for run in range(args.runs):
                    await conn.execute(
                        text(f'DROP DATABASE IF EXISTS "kith_bench_g{run}" WITH (FORCE)')
                    )
            await engine.dispose()
    for name, times in results.items():
        print(
            f"{name}: {args.members} notices queued in median {statistics.median(times):.3f} s, "
            f"max {max(times):.3f} s over {len(times)} runs"
        )


if __name__ == "__main__":
    asyncio.run(main())
