"""`kith chat`: a conversation in the terminal, through the same engine and outbox."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TextIO

from bot.core.messages import InboundMessage
from bot.core.sending import Outgoing, SendResult
from bot.runtime import open_runtime
from bot.settings import Settings
from conversations.languages import UnknownLanguage, check_code


class ConsoleSender:
    """Prints outbound messages: plain text, or one JSON object per line."""

    def __init__(self, out: TextIO, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json

    async def send(self, message: Outgoing) -> SendResult:
        """Write the message to the terminal."""
        meta = message.meta or {}
        if self.as_json:
            line = json.dumps(
                {
                    "text": message.body,
                    "field": meta.get("field"),
                    "kind": meta.get("kind"),
                    "choices": meta.get("choices"),
                },
                ensure_ascii=False,
            )
            self.out.write(line + "\n")
        else:
            self.out.write(message.body + "\n\n")
        self.out.flush()
        return SendResult(provider_ref=None, provider_status="printed")


async def run_chat(
    settings: Settings, service_id: str, as_json: bool, address: str, language: str | None
) -> int:
    """Read messages from stdin until it ends; print each reply. Returns the exit status."""
    if language is not None:
        try:
            check_code(language)
        except UnknownLanguage as exc:
            print(f"kith: {exc}", file=sys.stderr)
            return 2
    sender = ConsoleSender(sys.stdout, as_json)
    async with open_runtime(settings, {"console": sender}) as runtime:
        if service_id not in runtime.registry.services:
            print(
                f"kith: unknown service {service_id!r} (see `kith services list`)", file=sys.stderr
            )
            return 2
        if language is not None:
            offered = runtime.registry.services[service_id].offered_languages()
            if language not in offered:
                print(
                    f"kith: {service_id} does not offer language {language!r}: "
                    f"choose one of {', '.join(offered)}",
                    file=sys.stderr,
                )
                return 2
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return 0
            message = InboundMessage(
                channel="console",
                address=address,
                text=line.rstrip("\r\n"),
                received_at=runtime.clock(),
                service_hint=service_id,
                language_hint=language,
            )
            handled = await runtime.handler.handle(message)
            if handled.outbox_ids:
                await runtime.dispatcher.drain(handled.outbox_ids)
