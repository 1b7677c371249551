"""Opening the database: the async engine, SQLite pragmas, and migration state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.repository import SqlStore
from bot.storage.sqlite_writer import SqliteWriter

T = TypeVar("T")

# What "the database is unreachable" looks like to a caller: a driver error, a pool
# wait that timed out, a refused or dropped connection.
DATABASE_DOWN: tuple[type[BaseException], ...] = (DBAPIError, PoolTimeout, OSError, TimeoutError)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class DatabaseNotReady(RuntimeError):
    """The database is unreachable or not migrated to the current schema."""


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; SQLite files get WAL, a busy timeout and foreign keys.

    Statement parameters (phone numbers, message text) are kept out of error messages,
    so a database error logged with its traceback carries no personal data.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_connection)

        return engine
    # A server that does not answer fails a request within seconds (503, retried by
    # Twilio), instead of holding it for asyncpg's default minute.
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        pool_timeout=10,
        hide_parameters=True,
        connect_args={"timeout": 5},
    )


def _sqlite_path(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return parsed.database or ""


def sync_sqlite_engine(async_engine: AsyncEngine) -> Engine | None:
    """For a SQLite file, a plain sqlite3 engine on the same file (None otherwise).

    Each transaction starts with BEGIN IMMEDIATE, so it holds the write lock from its
    first read: a step reads and writes a conversation with no one in between.
    """
    path = _sqlite_path(async_engine.url.render_as_string(hide_password=False))
    if not path or path == ":memory:":
        return None
    engine = create_sync_engine(
        f"sqlite:///{path}", connect_args={"timeout": 30}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy issues BEGIN itself
        _sqlite_pragmas(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _sqlite_pragmas(dbapi_connection: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before it returns, so a 200 to Twilio means the message
    # survives a power cut too (NORMAL in WAL mode may lose the last commits).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest migration shipped with this version of Kith."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The migration the database is at (None when it has never been migrated)."""

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_read)


async def ensure_migrated(engine: AsyncEngine) -> None:
    """Raise DatabaseNotReady with one clear line unless the schema is at head."""
    try:
        current = await current_revision(engine)
    except Exception as exc:  # any driver error means the database cannot be used
        raise DatabaseNotReady(f"cannot open the database: {type(exc).__name__}") from exc
    head = head_revision()
    if current != head:
        raise DatabaseNotReady(
            "the database is not migrated"
            + (f" (at {current}, need {head})" if current else "")
            + ": run `kith db upgrade` first"
        )


async def upgrade(engine: AsyncEngine, url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` on the engine's database."""

    def _upgrade(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def upgrade_blocking(url: str, revision: str = "head") -> None:
    """Run `upgrade` from synchronous code (the CLI)."""

    async def _run() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine, url, revision)
        finally:
            await engine.dispose()

    asyncio.run(_run())


class SqlDatabase:
    """The `Database` port: runs a unit of work (a function of a Store) in one transaction.

    On SQLite every write runs in one dedicated thread on a plain sqlite3 connection,
    the units waiting together committed with one flush (`SqliteWriter`, SQLite's
    single writer; docs/benchmarks.md); on PostgreSQL
    it runs through `AsyncConnection.run_sync`, and a unique-key race with another
    process (two first messages from one person at once) runs the unit again.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sqlite = sync_sqlite_engine(engine)
        self._writer = SqliteWriter(self._sqlite) if self._sqlite is not None else None

    async def write(self, work: Callable[[SqlStore], T]) -> T:
        """Run `work` in a transaction; return its result once that is committed."""
        if self._writer is not None:
            result: T = await self._writer.write(work)
            return result
        try:
            async with self.engine.begin() as conn:
                return await conn.run_sync(lambda sync: work(SqlStore(sync)))
        except IntegrityError:
            async with self.engine.begin() as conn:
                return await conn.run_sync(lambda sync: work(SqlStore(sync)))

    async def read(self, work: Callable[[SqlStore], T]) -> T:
        """Run `work` on a connection without writing."""
        async with self.engine.connect() as conn:
            return await conn.run_sync(lambda sync: work(SqlStore(sync)))

    def close(self) -> None:
        """Release the SQLite writer thread and its connection."""
        if self._writer is not None:
            self._writer.close()
        if self._sqlite is not None:
            self._sqlite.dispose()
