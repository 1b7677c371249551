"""Fixtures for the web tests: the Twilio fake and a migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.database import create_engine, upgrade
from tests.fakes.twilio_fake import TwilioFake

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token"


@pytest.fixture
async def twilio() -> AsyncIterator[TwilioFake]:
    """The Twilio fake on loopback."""
    async with TwilioFake(ACCOUNT_SID, AUTH_TOKEN) as fake:
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
