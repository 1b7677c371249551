"""What a sender is: one method that sends one stored message and reports the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """A claimed outbox row, as a sender sees it."""

    id: int
    channel: str
    address: str
    body: str
    meta: dict[str, object] | None


@dataclass(frozen=True)
class SendResult:
    """The provider's reference and status for a message it accepted."""

    provider_ref: str | None
    provider_status: str


class PermanentFailure(Exception):
    """The provider refused the message for good (invalid number, blocked): do not retry."""

    def __init__(self, code: str, status: str = "failed") -> None:
        super().__init__(code)
        self.code = code
        self.status = status


class Sender(Protocol):
    """Sends messages of one channel."""

    async def send(self, message: Outgoing) -> SendResult:
        """Send `message`; raise PermanentFailure, or any other error to retry later."""
        ...
