"""A loopback stand-in for Telegram's Bot API, speaking its real wire format.

Only what Kith uses: `POST /bot<token>/<method>` for getMe, sendMessage,
answerCallbackQuery, setWebhook and getUpdates, each answered `{"ok": true, "result":
...}` or Telegram's error object (`{"ok": false, "error_code", "description",
"parameters": {"retry_after"}}`). It records every call and can be told to be slow, to
fail (500), to throttle (429 with retry_after), or to report a blocked bot (403).

python-telegram-bot's own `Bot` talks to it through `TELEGRAM_API_URL`; nothing is
patched. `update_*` build the updates Telegram would POST to a webhook.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

BOT_ID = 7000000001


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class TelegramFake:
    """The Bot API on 127.0.0.1; `url` is the base for TELEGRAM_API_URL."""

    token: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    pending_updates: list[dict[str, Any]] = field(default_factory=list)
    blocked_chats: set[int] = field(default_factory=set)
    delay: float = 0.0
    url: str = ""
    _failures: list[_Failure] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> str:
        """Listen on a free loopback port; returns the base URL."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/bot{token}/{method}", self._method)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramFake:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # What the next sendMessage calls should meet.

    def fail_next(self, count: int = 1) -> None:
        """Answer the next `count` sendMessage calls with a server error."""
        self._failures += [_Failure(500, "Internal Server Error")] * count

    def throttle_next(self, count: int = 1, retry_after: int = 3) -> None:
        """Answer the next `count` sendMessage calls with 429 and `retry_after`."""
        description = f"Too Many Requests: retry after {retry_after}"
        self._failures += [_Failure(429, description, retry_after)] * count

    # What was sent.

    def texts_to(self, chat_id: int) -> list[str]:
        """Texts sent to `chat_id`, in order."""
        return [m["text"] for m in self.sent if m["chat"]["id"] == chat_id]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of `method`."""
        return [params for name, params in self.calls if name == method]

    # Handlers.

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        if method == "getMe":
            return _ok(
                {"id": BOT_ID, "is_bot": True, "first_name": "Kith", "username": "kith_test_bot"}
            )
        if method == "sendMessage":
            return await self._send_message(params)
        if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            return _ok(True)
        if method == "getUpdates":
            offset = int(params.get("offset", 0) or 0)
            updates = [u for u in self.pending_updates if u["update_id"] >= offset]
            if not updates:
                await asyncio.sleep(min(float(params.get("timeout", 0) or 0), 0.2))
            return _ok(updates)
        return _error(404, "Not Found")

    async def _send_message(self, params: dict[str, Any]) -> web.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._failures:
            failure = self._failures.pop(0)
            return _error(failure.status, failure.description, failure.retry_after)
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_chats:
            return _error(403, "Forbidden: bot was blocked by the user")
        if not str(params.get("text", "")).strip():
            return _error(400, "Bad Request: message text is empty")
        message = {
            "message_id": next(self._ids),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Kith"},
            "chat": {"id": chat_id, "type": "private"},
            "date": int(time.time()),
            "text": params["text"],
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        self.sent.append(message)
        return _ok(message)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    import json

    params: dict[str, Any] = {}
    for key, value in form.items():
        text = str(value)
        try:
            params[key] = json.loads(text) if text[:1] in "{[" else text
        except ValueError:
            params[key] = text
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


def user(user_id: int, first_name: str = "Sam", language_code: str | None = "en") -> dict[str, Any]:
    """A Telegram User object."""
    person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        person["language_code"] = language_code
    return person


def update_text(
    update_id: int, chat_id: int, text: str, language_code: str | None = "en"
) -> dict[str, Any]:
    """The Update Telegram POSTs for a private text message."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user(chat_id, language_code=language_code),
            "chat": {"id": chat_id, "type": "private", "first_name": "Sam"},
            "date": int(time.time()),
            "text": text,
        },
    }


def update_button(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    """The Update for a tap on an inline button whose callback_data is `data`."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": user(chat_id),
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": 1,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Kith"},
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                "text": "a question",
            },
        },
    }


def update_photo(update_id: int, chat_id: int) -> dict[str, Any]:
    """The Update for a photo with no caption."""
    update = update_text(update_id, chat_id, "")
    del update["message"]["text"]
    update["message"]["photo"] = [
        {"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}
    ]
    return update
