"""The channel plug-in: what a channel brings to the runtime, and nothing more.

A channel adds its own webhook routes, hands the dispatcher its sender (when its
credentials are set) and closes its connections at shutdown. The composition root
(bot/web/channels.py) lists the channels; the app and the dispatcher never name one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from aiohttp import web

from bot.core.sending import Sender


class Channel(Protocol):
    """A way people reach Kith (SMS, Telegram): routes in, a sender out."""

    name: str

    @property
    def sender(self) -> Sender | None:
        """What sends on this channel, or None when its credentials are not set."""
        ...

    def routes(self) -> Sequence[web.RouteDef]:
        """The webhook routes this channel answers."""
        ...

    async def close(self) -> None:
        """Close the channel's connections."""
        ...


def senders_of(channels: Sequence[Channel]) -> Mapping[str, Sender]:
    """Each channel that can send, by name (what the dispatcher takes)."""
    return {c.name: c.sender for c in channels if c.sender is not None}


async def close_all(channels: Sequence[Channel]) -> None:
    """Close every channel's connections."""
    for channel in channels:
        await channel.close()
