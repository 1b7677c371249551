"""SQLite's writer commits the units waiting together, each in its own savepoint.

With `synchronous=FULL` each commit is a flush of the disk, so many messages arriving
at once share one commit. What must hold: a unit that fails is rolled back alone and
its caller gets its error; every other caller gets its own result; and no caller hears
back before its unit is committed (another connection sees it at once).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.storage.database import SqlDatabase, create_engine, upgrade
from bot.storage.repository import SqlStore
from bot.storage.sqlite_writer import SqliteWriter

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[tuple[SqlDatabase, Path]]:
    path = tmp_path / "kith.db"
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    await upgrade(engine, url)
    database = SqlDatabase(engine)
    yield database, path
    database.close()
    await engine.dispose()


def people_on_disk(path: Path) -> set[str]:
    """The people another connection sees, straight from the file."""
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT address FROM person_addresses")}


async def test_many_writes_at_once_share_commits_and_a_failure_is_rolled_back_alone(
    sqlite: tuple[SqlDatabase, Path],
) -> None:
    database, path = sqlite
    assert database._writer is not None
    commits: list[int] = []
    event.listen(database._writer.engine, "commit", lambda conn: commits.append(1))

    def add(n: int) -> int:
        def work(store: SqlStore) -> int:
            person = store.add_person(f"sms:+4477009{n:05d}", "sms", NOW)
            if n == 13:
                raise ValueError("unit 13 fails after writing")
            return person

        return work  # type: ignore[return-value]

    async def one(n: int) -> int:
        person: int = await database.write(add(n))  # type: ignore[arg-type]
        assert f"sms:+4477009{n:05d}" in people_on_disk(path)  # committed before the answer
        return person

    results = await asyncio.gather(*(one(n) for n in range(60)), return_exceptions=True)
    failed = [n for n, r in enumerate(results) if isinstance(r, BaseException)]
    assert failed == [13] and isinstance(results[13], ValueError)
    ids = [r for r in results if isinstance(r, int)]
    assert len(set(ids)) == 59
    stored = people_on_disk(path)
    assert len(stored) == 59 and "sms:+447700900013" not in stored
    assert len(commits) < 30, commits  # sixty writers, far fewer flushes


async def test_one_write_alone_is_committed_at_once(sqlite: tuple[SqlDatabase, Path]) -> None:
    database, path = sqlite
    person = await database.write(lambda store: store.add_person("sms:+447700900001", "sms", NOW))
    assert isinstance(person, int)
    assert people_on_disk(path) == {"sms:+447700900001"}
    with pytest.raises(KeyError):
        await database.write(lambda store: {}["missing"])


async def test_a_write_lock_held_elsewhere_fails_a_batch_once_not_unit_by_unit(
    sqlite: tuple[SqlDatabase, Path],
) -> None:
    # Another process (a backup, a migration) holds SQLite's write lock past the busy
    # timeout: every waiting write fails with that error after one wait for the batch,
    # not one wait per unit (which would stall the writer for minutes).
    _, path = sqlite
    engine = create_sync_engine(f"sqlite:///{path}", connect_args={"timeout": 0.2})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    begins: list[int] = []

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        begins.append(1)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def add_person(address: str) -> Any:
        return lambda store: store.add_person(address, "sms", NOW)

    writer = SqliteWriter(engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        results = await asyncio.gather(
            *(
                writer.write(
                    lambda store, n=n: store.add_person(f"sms:+4477009{n:05d}", "sms", NOW)
                )
                for n in range(12)
            ),
            return_exceptions=True,
        )
    finally:
        holder.rollback()
        holder.close()
    assert all(isinstance(r, OperationalError) for r in results), results
    assert len(begins) <= 3, begins  # one wait for each batch, not twelve
    # The lock gone, the writer writes again; after close it refuses at once.
    assert isinstance(
        await writer.write(lambda store: store.add_person("sms:+447700900999", "sms", NOW)), int
    )
    writer.close()
    engine.dispose()
    with pytest.raises(RuntimeError, match="closed"):
        await writer.write(lambda store: None)
