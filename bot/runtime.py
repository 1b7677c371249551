"""The composition root: settings in, a wired database, registry, handler and dispatcher out.

The channels (what sends, what listens) are plugged in by bot/web/channels.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import make_clock
from bot.core.sending import Sender
from bot.delivery.dispatcher import Dispatcher
from bot.inbound import InboundHandler
from bot.postcodes import PostcodeLookup
from bot.settings import Settings
from bot.storage.database import SqlDatabase, create_engine, ensure_migrated
from bot.tasks import start_supervised
from conversations.registry import Registry, load_registry


@dataclass
class Runtime:
    """Everything a command or the web app needs, built once."""

    settings: Settings
    db: AsyncEngine
    database: SqlDatabase
    registry: Registry
    handler: InboundHandler
    dispatcher: Dispatcher
    clock: Callable[[], datetime]
    # Background tasks (`kith serve`'s dispatcher), each supervised: see bot/tasks.py.
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)


@asynccontextmanager
async def open_runtime(
    settings: Settings, senders: Mapping[str, Sender] | None = None, check_migrated: bool = True
) -> AsyncIterator[Runtime]:
    """Open the database (checked to be migrated), load services, wire the parts."""
    registry = load_registry(settings.services_dir, skip_broken=settings.skip_broken_definitions)
    db = create_engine(settings.database_url)
    try:
        if check_migrated:
            await ensure_migrated(db)
        clock = make_clock(settings.clock)
        database = SqlDatabase(db)
        dispatcher = Dispatcher(
            database,
            dict(senders or {}),
            clock,
            paces=settings.paces(),
            quiet_hours={s.id: s.quiet_hours for s in registry.services.values()},
        )
        postcodes = PostcodeLookup(settings.postcode_api_url) if settings.postcode_api_url else None
        handler = InboundHandler(
            database,
            registry,
            oncall=settings.oncall,
            default_service=settings.default_service,
            on_queued=dispatcher.wake.set,
            postcodes=postcodes,
        )
        try:
            yield Runtime(settings, db, database, registry, handler, dispatcher, clock)
        finally:
            database.close()
            if postcodes is not None:
                await postcodes.close()
    finally:
        await db.dispose()


@asynccontextmanager
async def dispatching(runtime: Runtime) -> AsyncIterator[None]:
    """The outbox dispatcher running, supervised, for as long as the context lasts."""
    task = start_supervised(runtime.tasks, "dispatcher", runtime.dispatcher.run_forever)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
