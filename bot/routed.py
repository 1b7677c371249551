"""What the reply router decided about a message, before (or instead of) the engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from conversations.engine import AlertDraft, Reply


@dataclass(frozen=True)
class RoutedAlert:
    """A staff alert raised by a reply: its service, referral, and whom it is about.

    `address` and `first_name` name the person staff should reach when that is not the
    sender (a volunteer's concern is about their callee); `note` adds what on-call
    staff need beside it (the volunteer to call back), never anyone's message.
    """

    draft: AlertDraft
    service_id: str | None
    referral_id: int | None = None
    person_id: int | None = None
    address: str | None = None
    first_name: str | None = None
    note: str | None = None


@dataclass
class Routed:
    """What the router decided. `text` set: the engine handles it (with `service_hint`)."""

    # A Reply where the message awaits an answer from choices (Telegram shows buttons).
    replies: list[str | Reply] = field(default_factory=list)
    alerts: list[RoutedAlert] = field(default_factory=list)
    text: str | None = None
    service_hint: str | None = None
    service_id: str | None = None  # of the replies made here
    resume: bool = False  # ask the conversation's current question again after them
    opt_out: bool | None = None  # record (the provider's OptOutType) with no reply
    language: str = "en"
