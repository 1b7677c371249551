"""Group commit: the results of sends that finish together are written in one transaction.

On SQLite every commit is an fsync (`synchronous=FULL`) and on PostgreSQL a WAL flush,
so one transaction per sent message caps the dispatcher near the disk's flush rate.
The first caller to arrive writes everything waiting, its own included; the others
wait for that commit. Each caller still returns only once its result is on disk.
Accepted sends, the common result, are written by one statement for the whole group
(one round trip to PostgreSQL, not one a send).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from bot.core.ports import Database, Store
from bot.core.records import Sent

Work = Callable[[Store], None]


class GroupCommitStopped(RuntimeError):
    """The shared write was cancelled (the dispatcher stopping): not known to be committed."""


def _fail(done: asyncio.Future[None], failure: Exception) -> None:
    """Fail a caller's future. Marked as seen: a caller cancelled with the dispatcher never
    awaits it, and asyncio would otherwise log "Future exception was never retrieved"."""
    if not done.done():
        done.set_exception(failure)
        done.exception()


class GroupCommit:
    """Writes queued units of work together, each caller awaiting its own commit."""

    def __init__(self, database: Database, most: int = 500) -> None:
        self.database = database
        self.most = most
        self._waiting: list[tuple[Work | Sent, asyncio.Future[None]]] = []
        self._writing = False

    async def sent(self, sent: Sent) -> None:
        """Record an accepted send with whatever else is waiting; return once committed."""
        await self.write(sent)

    async def write(self, work: Work | Sent) -> None:
        """Run `work` in a transaction shared with whatever else is waiting; raise its error."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, done))
        if not self._writing:
            self._writing = True
            try:
                while self._waiting:
                    batch, self._waiting = self._waiting[: self.most], self._waiting[self.most :]
                    await self._commit(batch)
            finally:
                self._writing = False
                for _, left in self._waiting:  # only when cancelled mid-write
                    _fail(left, GroupCommitStopped("group commit stopped before this write"))
                self._waiting = []
        await done

    async def _commit(self, batch: list[tuple[Work | Sent, asyncio.Future[None]]]) -> None:
        def run(store: Store) -> None:
            store.record_sent([item for item, _ in batch if isinstance(item, Sent)])
            for item, _ in batch:
                if not isinstance(item, Sent):
                    item(store)

        try:
            await self.database.write(run)
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch[0][1], exc)
                return
            # One item (or a passing error) failed the shared write: each alone, so only
            # what fails again fails, and the sends recorded with it are not lost.
            for item, done in batch:
                try:
                    await self.database.write(partial(_one, item=item))
                except Exception as exc:
                    _fail(done, exc)
                else:
                    if not done.done():
                        done.set_result(None)
            return
        except BaseException:
            for _, done in batch:
                _fail(done, GroupCommitStopped("cancelled"))
            raise
        for _, done in batch:
            if not done.done():
                done.set_result(None)


def _one(store: Store, *, item: Work | Sent) -> None:
    if isinstance(item, Sent):
        store.record_sent([item])
    else:
        item(store)
