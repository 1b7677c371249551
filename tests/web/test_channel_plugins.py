"""Channels are plug-ins of the runtime (issue 12, point 5).

A channel brings its routes, its sender and its close; the app and the dispatcher name
none. Here a web-chat channel that Kith does not ship is plugged in beside SMS and
Telegram: its route answers, the real dispatcher loop (run by the app's own cleanup
context) sends the conversation's reply through its sender, and shutting the app down
stops the dispatcher and the scheduler and closes every channel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.core.messages import InboundMessage
from bot.core.sending import Outgoing, Sender, SendResult
from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.channels import build_channels
from bot.web.state import KITH, runtime_of


class WebChatSender:
    """Records what the dispatcher hands it."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> SendResult:
        self.sent.append(message)
        return SendResult(provider_ref=f"chat-{message.id}", provider_status="sent")


class WebChatChannel:
    """A channel Kith does not ship, written only against the plug-in protocol."""

    name = "webchat"

    def __init__(self) -> None:
        self.out = WebChatSender()
        self.closed = False

    @property
    def sender(self) -> Sender | None:
        return self.out

    def routes(self) -> Sequence[web.RouteDef]:
        return [web.post("/webchat", self.inbound)]

    async def inbound(self, request: web.Request) -> web.Response:
        runtime = runtime_of(request)
        data = await request.json()
        message = InboundMessage(
            channel="webchat",
            address=f"webchat:{data['from']}",
            text=str(data["text"]),
            received_at=runtime.clock(),
        )
        await runtime.handler.handle(message)
        return web.json_response({})

    async def close(self) -> None:
        self.closed = True


async def test_a_channel_kith_does_not_ship_plugs_in_and_the_app_owns_the_lifetimes(
    migrated_url: str,
) -> None:
    env = {"KITH_DATABASE_URL": migrated_url, "KITH_DEFAULT_SERVICE": "derby-peer-support"}
    settings = load_settings(env, dotenv=Path("/nonexistent"))
    chat = WebChatChannel()
    app = create_app(settings, [*build_channels(settings), chat])
    paths = {resource.canonical for resource in app.router.resources()}
    assert {"/webchat", "/sms/twilio", "/sms/twilio/status", "/telegram", "/healthz"} <= paths

    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        runtime = app[KITH].runtime
        assert runtime is not None
        dispatcher = runtime.tasks["dispatcher"]
        assert not dispatcher.done()  # started by the app's cleanup context
        response = await client.post("/webchat", json={"from": "ann", "text": "Hello"})
        assert response.status == 200
        # The real dispatcher loop sends the welcome through the plugged-in sender.
        for _ in range(200):
            if chat.out.sent:
                break
            await asyncio.sleep(0.05)
        assert chat.out.sent, "the dispatcher sent nothing through the new channel"
        assert {m.address for m in chat.out.sent} == {"webchat:ann"}
        assert all(m.channel == "webchat" for m in chat.out.sent)
        health = await client.get("/healthz")
        assert health.status == 200
    finally:
        await client.close()
    assert dispatcher.done()  # stopped at shutdown
    assert chat.closed
    assert app[KITH].runtime is None
