"""The composition root: settings in, a wired database, registry, handler and dispatcher out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.sms_twilio import TwilioSender
from bot.channels.telegram import TelegramSender
from bot.clock import make_clock
from bot.core.sending import Sender
from bot.delivery.dispatcher import Dispatcher
from bot.inbound import InboundHandler
from bot.postcodes import PostcodeLookup
from bot.settings import Settings
from bot.storage.database import SqlDatabase, create_engine, ensure_migrated
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


@dataclass
class Channels:
    """The channels whose credentials are set, each with its sender."""

    sms: TwilioSender | None = None
    telegram: TelegramSender | None = None

    @property
    def senders(self) -> dict[str, Sender]:
        """Each configured channel's sender, by channel name (what the dispatcher takes)."""
        found: dict[str, Sender | None] = {"sms": self.sms, "telegram": self.telegram}
        return {name: sender for name, sender in found.items() if sender is not None}

    async def close(self) -> None:
        """Close every sender's connections."""
        if self.sms is not None:
            await self.sms.close()
        if self.telegram is not None:
            await self.telegram.close()


def build_channels(settings: Settings) -> Channels:
    """A sender for each channel whose credentials are set."""
    channels = Channels()
    if settings.twilio_configured:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        callback = (settings.public_url + "/sms/twilio/status") if settings.public_url else None
        channels.sms = TwilioSender(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from,
            settings.twilio_messaging_service_sid,
            settings.twilio_api_url,
            callback,
        )
    if settings.telegram_bot_token:
        channels.telegram = TelegramSender(settings.telegram_bot_token, settings.telegram_api_url)
    return channels


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
