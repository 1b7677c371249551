"""Fixtures for the web tests: the Twilio fake and a migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.database import create_engine, upgrade
from tests.fakes.telegram_fake import TelegramFake
from tests.fakes.twilio_fake import TwilioFake

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token"
TELEGRAM_TOKEN = "123456789:test-telegram-token"
TELEGRAM_SECRET = "a-secret-token_0123"


def telegram_settings(fake: TelegramFake) -> dict[str, str]:
    """The settings that mount Kith's Telegram channel against the Bot API fake."""
    return {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": fake.url,
    }


@pytest.fixture
async def twilio() -> AsyncIterator[TwilioFake]:
    """The Twilio fake on loopback."""
    async with TwilioFake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramFake]:
    """The Bot API fake on loopback."""
    async with TelegramFake(TELEGRAM_TOKEN) as fake:
        yield fake


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    """A migrated database URL (SQLite and PostgreSQL)."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine, database_url)
    finally:
        await engine.dispose()
    return database_url
