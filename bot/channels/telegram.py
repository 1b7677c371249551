"""Telegram: the webhook's updates in, messages out, through python-telegram-bot.

Its `Update` parses what Telegram posts and its `Bot` sends. A person's address is
`telegram:<chat id>`. Choices go as inline buttons whose data is the choice's number,
so a tap reads exactly as typing the number would; typing still works.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.core.messages import InboundMessage
from bot.core.sending import (
    Outgoing,
    PermanentFailure,
    ProviderUnavailable,
    RetryLater,
    SendResult,
)

log = logging.getLogger(__name__)

# python-telegram-bot's documented opt-in to time periods as timedelta (its future
# default, read when a period is used); without it every RetryAfter warns.
os.environ.setdefault("PTB_TIMEDELTA", "true")

TELEGRAM_API = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BUTTON_TEXT_MAX = 40
BUTTONS_MAX = 20
UPDATES = ["message", "callback_query"]  # a longer menu is read and answered by number


class MalformedUpdate(ValueError):
    """The body is not a Telegram Update."""


@dataclass(frozen=True)
class TelegramInbound:
    """What one update brings: a message to handle (or None), a button tap to answer."""

    message: InboundMessage | None
    callback_id: str | None = None


def secret_valid(expected: str | None, given: str) -> bool:
    """True when the secret token header is the one Kith registered (constant time)."""
    return bool(expected) and hmac.compare_digest(
        (expected or "").encode(), given.encode("utf-8", "replace")
    )


def parse_update(data: Mapping[str, Any], now: datetime) -> TelegramInbound:
    """The message in a Telegram Update: private text, a caption, media or a button tap.

    `/start <service-id>` (a deep link) names the service; the user's `language_code`
    is the first guess for language. Group chats, edits and other updates are ignored.
    """
    if not isinstance(data.get("update_id"), int):
        raise MalformedUpdate("no update_id")
    try:
        update = Update.de_json(dict(data), None)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedUpdate(type(exc).__name__) from None
    external_id = f"tg:{update.update_id}"
    callback = update.callback_query
    if callback is not None:
        chat = callback.message.chat.id if callback.message else callback.from_user.id
        message = InboundMessage(
            channel="telegram",
            address=f"telegram:{chat}",
            text=(callback.data or "")[:64],
            received_at=now,
            external_id=external_id,
            language_hint=callback.from_user.language_code,
        )
        return TelegramInbound(message, callback.id)
    incoming = update.message
    if incoming is None or incoming.chat.type != "private":
        return TelegramInbound(None)
    text = incoming.text or incoming.caption or ""
    service = None
    if text.startswith("/start"):
        command, _, payload = text.partition(" ")
        if command in ("/start", "/start@"):
            service = payload.strip() or None
    media = 1 if (incoming.photo or incoming.document or incoming.sticker or incoming.voice) else 0
    sender = incoming.from_user
    return TelegramInbound(
        InboundMessage(
            channel="telegram",
            address=f"telegram:{incoming.chat.id}",
            text=text,
            received_at=now,
            external_id=external_id,
            service_hint=service,
            language_hint=sender.language_code if sender else None,
            media=media,
        )
    )


def keyboard(meta: Mapping[str, object] | None) -> InlineKeyboardMarkup | None:
    """Inline buttons for a question's choices (one a row), or None."""
    choices = (meta or {}).get("choices")
    if not isinstance(choices, list) or not 0 < len(choices) <= BUTTONS_MAX:
        return None
    rows = []
    for choice in choices:
        if not isinstance(choice, dict):
            return None
        label = f"{choice.get('n')} {choice.get('label', '')}".strip()
        if len(label) > BUTTON_TEXT_MAX:
            label = label[: BUTTON_TEXT_MAX - 1] + "…"
        rows.append([InlineKeyboardButton(label, callback_data=str(choice.get("n")))])
    return InlineKeyboardMarkup(rows)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends with python-telegram-bot's `Bot` (optionally at a loopback fake's URL)."""

    def __init__(self, token: str, api_url: str | None = None, pool: int = 32) -> None:
        base = (api_url or TELEGRAM_API).rstrip("/")
        self.bot = Bot(
            token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=HTTPXRequest(connection_pool_size=pool),
        )

    async def send(self, message: Outgoing) -> SendResult:
        """Send one message; map Telegram's refusals to what the dispatcher does next."""
        try:
            chat_id = int(message.address.partition(":")[2])
        except ValueError:
            raise PermanentFailure("bad_address") from None
        try:
            sent = await self.bot.send_message(
                chat_id, message.body, reply_markup=keyboard(message.meta)
            )
        except RetryAfter as exc:
            raise RetryLater("429", _seconds(exc.retry_after)) from None
        except Forbidden:  # the person blocked the bot, or left
            raise PermanentFailure("blocked", "unreachable") from None
        except BadRequest as exc:
            code = "chat_not_found" if "chat not found" in exc.message.lower() else "bad_request"
            raise PermanentFailure(
                code, "unreachable" if code == "chat_not_found" else "failed"
            ) from None
        except InvalidToken:
            raise ProviderUnavailable("invalid_token") from None
        except (TimedOut, NetworkError) as exc:
            raise RetryLater(type(exc).__name__) from None
        return SendResult(str(sent.message_id), "sent")

    async def answer_button(self, callback_id: str) -> None:
        """Stop the tapped button's spinner (best effort: the answer is handled anyway)."""
        try:
            await self.bot.answer_callback_query(callback_id)
        except TelegramError as exc:
            log.warning("telegram button not answered", extra={"error": type(exc).__name__})

    async def set_webhook(self, url: str, secret: str) -> None:
        """Register `url` (with the secret token Telegram will send back) at Telegram."""
        await self.bot.set_webhook(
            url, secret_token=secret, allowed_updates=["message", "callback_query"]
        )

    async def updates(self, offset: int | None, wait: int) -> list[dict[str, Any]]:
        """Long-poll (up to `wait` seconds) for updates, as Telegram's JSON (`kith telegram
        poll`)."""
        got = await self.bot.get_updates(offset=offset, timeout=wait, allowed_updates=UPDATES)
        return [update.to_dict() for update in got]

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.bot.shutdown()
