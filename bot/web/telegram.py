"""The Telegram channel: `POST /telegram`, checked against the secret token header."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from aiohttp import web

from bot.channels.telegram import (
    SECRET_HEADER,
    MalformedUpdate,
    TelegramSender,
    parse_update,
    secret_valid,
)
from bot.core.sending import Sender
from bot.inbound import UnknownService
from bot.settings import Settings
from bot.web.state import runtime_of

log = logging.getLogger(__name__)


class TelegramChannel:
    """Telegram: the webhook always answers (403 without the secret); sends with a token."""

    name = "telegram"

    def __init__(self, settings: Settings) -> None:
        self._sender: TelegramSender | None = None
        if settings.telegram_bot_token:
            self._sender = TelegramSender(settings.telegram_bot_token, settings.telegram_api_url)

    @property
    def sender(self) -> Sender | None:
        """The Bot API sender, when TELEGRAM_BOT_TOKEN is set."""
        return self._sender

    @property
    def bot(self) -> TelegramSender | None:
        """The Bot API client (set-webhook, polling, answering button taps)."""
        return self._sender

    def routes(self) -> Sequence[web.RouteDef]:
        """Telegram's webhook."""
        return [web.post("/telegram", self.inbound)]

    async def close(self) -> None:
        """Close the Bot API client's connections."""
        if self._sender is not None:
            await self._sender.close()

    async def inbound(self, request: web.Request) -> web.Response:
        """Telegram's webhook: check the secret token, handle the update once, answer 200."""
        runtime = runtime_of(request)
        given = request.headers.get(SECRET_HEADER, "")
        if not secret_valid(runtime.settings.telegram_webhook_secret, given):
            log.warning("telegram webhook refused", extra={"status": 403})
            return web.Response(status=403, text="invalid secret token")
        if request.content_type != "application/json":
            return web.Response(status=415, text="expected application/json")
        try:
            data = json.loads(await request.read())
            if not isinstance(data, dict):
                raise MalformedUpdate("not an object")
            inbound = parse_update(data, runtime.clock())
        except (ValueError, MalformedUpdate):
            return web.Response(status=400, text="not a Telegram update")
        if inbound.message is not None:
            try:
                await runtime.handler.handle(inbound.message)
            except UnknownService:
                log.warning("telegram message for no service")
        if inbound.callback_id is not None and self._sender is not None:
            await self._sender.answer_button(inbound.callback_id)
        return web.json_response({})
