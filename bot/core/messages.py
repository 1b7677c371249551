"""Normalised messages: what every channel adapter turns its vendor payload into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InboundMessage:
    """One message from a person, whatever channel it came by."""

    channel: str  # "sms", "telegram", "console"
    address: str  # "sms:+447700900123", "telegram:12345", "console:local"
    text: str
    received_at: datetime
    external_id: str | None = None  # the provider's id, to process retries once
    service_hint: str | None = None  # the service the channel chose (To number, /start)
    language_hint: str | None = None
    media: int = 0  # pictures or other media attached (their content is never read)
    # The provider's own opt-out handling (Twilio's `OptOutType`: STOP, START, HELP).
    opt_out_type: str | None = None
