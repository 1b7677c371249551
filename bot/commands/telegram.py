"""`kith telegram poll` (a laptop, no public URL) and `kith telegram set-webhook`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from telegram.error import Conflict, InvalidToken, NetworkError

from bot.channels.telegram import MalformedUpdate, TelegramSender, parse_update
from bot.inbound import UnknownService
from bot.runtime import dispatching, open_runtime
from bot.settings import Settings
from bot.web.channel import close_all, senders_of
from bot.web.channels import build_channels
from bot.web.telegram import TelegramChannel

log = logging.getLogger(__name__)
POLL_SECONDS = 25


def _missing(settings: Settings, *names: str) -> list[str]:
    values = {
        "TELEGRAM_BOT_TOKEN": settings.telegram_bot_token,
        "TELEGRAM_WEBHOOK_SECRET": settings.telegram_webhook_secret,
        "KITH_PUBLIC_URL": settings.public_url,
    }
    return [name for name in names if not values[name]]


async def set_webhook(settings: Settings) -> int:
    """Register KITH_PUBLIC_URL/telegram, with the secret token, at Telegram."""
    missing = _missing(settings, "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "KITH_PUBLIC_URL")
    if missing:
        print(f"kith: set {', '.join(missing)} first", file=sys.stderr)
        return 2
    assert settings.telegram_bot_token and settings.telegram_webhook_secret
    bot = TelegramSender(settings.telegram_bot_token, settings.telegram_api_url)
    url = f"{settings.public_url}/telegram"
    try:
        await bot.set_webhook(url, settings.telegram_webhook_secret)
    except InvalidToken:
        print("kith: Telegram refused TELEGRAM_BOT_TOKEN", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"kith: Telegram could not be reached ({type(exc).__name__})", file=sys.stderr)
        return 1
    finally:
        await bot.close()
    print(f"Telegram will send this bot's updates to {url}")
    return 0


async def poll(settings: Settings, once: bool = False) -> int:
    """Fetch updates from Telegram and handle them, sending replies, until interrupted."""
    if _missing(settings, "TELEGRAM_BOT_TOKEN"):
        print("kith: set TELEGRAM_BOT_TOKEN first", file=sys.stderr)
        return 2
    channel = TelegramChannel(settings)
    telegram = channel.bot
    assert telegram is not None
    channels = build_channels(settings, telegram=channel)
    try:
        async with (
            open_runtime(settings, senders_of(channels)) as runtime,
            # --once sends what it queued itself (drain, below), after the updates:
            # a dispatcher running beside it could still hold a reply when it exits.
            contextlib.nullcontext() if once else dispatching(runtime),
        ):
            offset: int | None = None
            while True:
                try:
                    updates = await telegram.updates(offset, 0 if once else POLL_SECONDS)
                except Conflict:
                    print(
                        "kith: this bot has a webhook set; polling would steal its "
                        "updates (use another bot for a laptop)",
                        file=sys.stderr,
                    )
                    return 2
                except InvalidToken:
                    print("kith: Telegram refused TELEGRAM_BOT_TOKEN", file=sys.stderr)
                    return 2
                except NetworkError as exc:
                    log.warning("telegram poll failed", extra={"error": type(exc).__name__})
                    await asyncio.sleep(5)
                    continue
                for data in updates:
                    offset = int(data["update_id"]) + 1
                    try:
                        inbound = parse_update(data, runtime.clock())
                    except MalformedUpdate:
                        continue
                    if inbound.message is not None:
                        with contextlib.suppress(UnknownService):
                            await runtime.handler.handle(inbound.message)
                    if inbound.callback_id is not None:
                        await telegram.answer_button(inbound.callback_id)
                if once:
                    await runtime.dispatcher.drain()
                    return 0
    finally:
        await close_all(channels)
