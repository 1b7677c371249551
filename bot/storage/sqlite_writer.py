"""SQLite's one writer: a thread that runs units of work, committing those waiting together.

SQLite has one writer at a time, and with `synchronous=FULL` every commit waits for
the disk's flush (4-5 ms on a VM disk, docs/benchmarks.md). One commit per unit would
cap Kith at the disk's flush rate. Instead the thread takes every unit waiting when it
is free (group commit): each runs inside its own SAVEPOINT of one transaction, so a
unit that fails is rolled back alone, and all are committed with one flush. No caller
hears back before that commit has returned: a 200 to Twilio still means on disk. An
idle writer takes the next unit at once, so one message alone waits for nobody.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from bot.storage.repository import SqlStore

log = logging.getLogger(__name__)

MOST = 64  # units in one transaction: a bound on what one failed commit repeats


@dataclass
class _Unit:
    work: Callable[[SqlStore], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None


class SqliteWriter:
    """Runs units of work on one sqlite3 connection in one thread, in group commits."""

    def __init__(self, engine: Engine, most: int = MOST) -> None:
        self.engine = engine
        self.most = most
        self._queue: queue.SimpleQueue[_Unit | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="kith-db", daemon=True)
        self._thread.start()

    async def write(self, work: Callable[[SqlStore], Any]) -> Any:
        """Run `work` in a transaction; return its result once that transaction is committed."""
        if self._closed:
            raise RuntimeError("the SQLite writer is closed")
        loop = asyncio.get_running_loop()
        unit = _Unit(work, loop, loop.create_future())
        self._queue.put(unit)
        return await unit.future

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        self._closed = True
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    # The writer thread.

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.most:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            try:
                self._commit(batch)
            except BaseException as exc:  # never leave a caller waiting on a dead thread
                for unit in batch:
                    unit.result, unit.error = None, exc
                    _answer(unit)

    def _commit(self, batch: list[_Unit]) -> None:
        if len(batch) == 1:
            self._alone(batch[0])
            return
        try:
            conn = self.engine.connect()
        except Exception as exc:
            _fail_all(batch, exc)
            return
        with conn:
            try:
                conn.begin()  # BEGIN IMMEDIATE: waits for another process's write lock
            except Exception as exc:
                # The lock or the file is unavailable for all of them alike: one error
                # for the batch, not one wait a unit.
                _fail_all(batch, exc)
                return
            try:
                for unit in batch:
                    self._in_savepoint(conn, unit)
                conn.commit()
            except Exception:
                # The shared commit failed (or a savepoint could not be rolled back):
                # nothing of the batch is stored; each unit runs again on its own.
                conn.rollback()
                log.warning(
                    "group commit failed, units run one by one", extra={"count": len(batch)}
                )
                for unit in batch:
                    unit.result, unit.error = None, None
                    self._alone(unit)
                return
        for unit in batch:
            _answer(unit)

    def _in_savepoint(self, conn: Connection, unit: _Unit) -> None:
        savepoint = conn.begin_nested()
        try:
            unit.result = unit.work(SqlStore(conn))
        except BaseException as exc:  # the unit's own failure: only its writes go
            savepoint.rollback()
            unit.error = exc
        else:
            savepoint.commit()

    def _alone(self, unit: _Unit) -> None:
        try:
            with self.engine.begin() as conn:
                unit.result = unit.work(SqlStore(conn))
        except BaseException as exc:
            unit.error = exc
        _answer(unit)


def _fail_all(batch: list[_Unit], error: Exception) -> None:
    for unit in batch:
        unit.error = error
        _answer(unit)


def _answer(unit: _Unit) -> None:
    """Hand the unit's outcome to its caller's loop (unless the caller has gone)."""

    def settle() -> None:
        if unit.future.done():  # the caller was cancelled while its unit ran
            return
        if unit.error is not None:
            unit.future.set_exception(unit.error)
        else:
            unit.future.set_result(unit.result)

    try:
        unit.loop.call_soon_threadsafe(settle)
    except RuntimeError:  # that loop is closed: nobody is waiting
        pass
