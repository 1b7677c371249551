"""`kith telegram set-webhook` and `kith telegram poll`, run as an operator runs them,
against the Bot API fake."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tests.conftest import KITH, Kith
from tests.fakes.telegram_fake import TelegramFake, update_text

TOKEN = "123456789:test-telegram-token"
SECRET = "a-secret-token_0123"
SERVICE = "kirklees-carers-options"


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramFake]:
    async with TelegramFake(TOKEN) as fake:
        yield fake


async def run(kith: Kith, *args: str, **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        KITH,
        *args,
        env={**kith.env, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_set_webhook_registers_the_public_url_with_the_secret(
    kith_sqlite: Kith, telegram: TelegramFake
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.url}
    code, _, err = await run(kith_sqlite, "telegram", "set-webhook", **env)
    assert code == 2 and "TELEGRAM_WEBHOOK_SECRET" in err and "KITH_PUBLIC_URL" in err
    code, out, _ = await run(
        kith_sqlite,
        "telegram",
        "set-webhook",
        **env,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        KITH_PUBLIC_URL="https://kith.example.org",
    )
    assert code == 0 and "https://kith.example.org/telegram" in out
    [call] = telegram.calls_of("setWebhook")
    assert call["url"] == "https://kith.example.org/telegram"
    assert call["secret_token"] == SECRET
    assert SECRET not in out


async def test_poll_fetches_updates_and_answers_them(
    kith_sqlite: Kith, telegram: TelegramFake
) -> None:
    telegram.pending_updates.append(update_text(1, 4242, f"/start {SERVICE}"))
    code, _, err = await run(
        kith_sqlite,
        "telegram",
        "poll",
        "--once",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=telegram.url,
    )
    assert code == 0, err
    texts = telegram.texts_to(4242)
    assert texts[0].startswith("Carers Options")
    assert "OK? Reply YES or NO." in texts[-1]
    assert len(await asyncio.to_thread(kith_sqlite.sql, "SELECT * FROM inbound_messages")) == 1
    code, _, err = await run(kith_sqlite, "telegram", "poll")
    assert code == 2 and "TELEGRAM_BOT_TOKEN" in err
    assert json.dumps(err).count("\\n") <= 1  # one line
