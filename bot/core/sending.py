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
    segments: int = 1  # what the provider's rate limit counts (SMS segments)


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


@dataclass(frozen=True)
class Pace:
    """How one channel sends: tokens a second (and burst), sends at once, timeout."""

    rate: float
    burst: float
    in_flight: int
    timeout: float = 10.0
    person_gap: float = 0.0  # seconds between two messages to one person


# Defaults from the providers' published limits (docs/architecture.md, "Sending"):
# a Twilio long code releases one segment a second (Twilio: "How quickly can I send
# SMS messages?"), Telegram about 30 messages a second (Bot FAQ).
DEFAULT_PACES = {
    "sms": Pace(rate=1.0, burst=5.0, in_flight=4),
    "telegram": Pace(rate=30.0, burst=30.0, in_flight=16, person_gap=1.0),
}
UNLIMITED = Pace(rate=1_000_000.0, burst=1_000_000.0, in_flight=64)


class RetryLater(Exception):
    """The provider asked Kith to slow down or failed for now (429, 5xx, a timeout).

    `after` is what the provider said to wait (Retry-After, Telegram's retry_after), in
    seconds, when it said.
    """

    def __init__(self, code: str, after: float | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.after = after


class ProviderUnavailable(Exception):
    """The provider cannot take any message now (bad credentials, a long outage).

    Messages are held without using up their attempts, and staff are alerted once.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Sender(Protocol):
    """Sends messages of one channel."""

    async def send(self, message: Outgoing) -> SendResult:
        """Send `message`; raise PermanentFailure, ProviderUnavailable, RetryLater, or any
        other error to retry later."""
        ...
