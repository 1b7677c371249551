"""What Kith stores, as plain records: the storage port's vocabulary (no database types)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Participant:
    """One channel address: opt-out, language and open conversation."""

    address: str
    channel: str
    language: str
    opted_out: bool
    service_id: str | None
    state: dict[str, Any] | None
    opted_out_at: datetime | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class OutboundRow:
    """A message to store in the outbox."""

    channel: str
    address: str
    body: str
    kind: str
    priority: str  # urgent | normal | bulk
    service_id: str | None
    not_before: datetime
    meta: dict[str, Any] | None = None
    # Direct replies, crisis routes and staff alerts go out at night too.
    quiet_exempt: bool = False
    # Past this moment the message is worthless (a reminder after its appointment).
    not_after: datetime | None = None
    # Rows made by jobs: kind, source row, its revision and moment; queued at most once.
    idempotency_key: str | None = None
    person_id: int | None = None
    language: str | None = None  # of the person it is to (for cost reports)


@dataclass(frozen=True)
class ReferralDraft:
    """A referral ready to store: screened, prioritised, with its deadlines."""

    service_id: str
    language: str
    referrer: str | None
    answers: dict[str, Any]
    outcome: str
    reasons: tuple[str, ...]
    priority: tuple[str, ...]
    urgent: bool
    consent_at: datetime
    received_at: datetime
    first_contact_due: datetime
    first_meeting_due: datetime | None


@dataclass(frozen=True)
class Referral:
    """A stored referral: what screening said (`outcome`) and where staff are (`status`)."""

    id: int
    service_id: str
    channel: str
    address: str
    language: str
    referrer: str | None
    answers: dict[str, Any]
    outcome: str
    reasons: list[str]
    priority: list[str]
    urgent: bool
    status: str
    consent_at: datetime
    created_at: datetime
    first_contact_due: datetime | None
    first_meeting_due: datetime | None
    person_id: int | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One step in a referral's status history: who, when, and why."""

    status: str
    note: str | None
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class Alert:
    """A staff alert and whether someone has handled it."""

    id: int
    kind: str
    service_id: str | None
    address: str
    referral_id: int | None
    created_at: datetime
    resolved_at: datetime | None
    words: str | None
    handled_by: str | None
    handled_note: str | None
    person_id: int | None = None


@dataclass(frozen=True)
class Sent:
    """A send the provider accepted: the outbox row, when, and the provider's reference."""

    outbox_id: int
    at: datetime
    ref: str | None
    status: str


@dataclass(frozen=True)
class OutboxMessage:
    """A stored outbound message, as staff and the dispatcher see it."""

    id: int
    channel: str
    address: str
    body: str
    kind: str
    service_id: str | None
    meta: dict[str, Any] | None
    status: str
    attempts: int
    not_before: datetime
    created_at: datetime
    sent_at: datetime | None
    provider_ref: str | None
    provider_status: str | None
    error: str | None
    priority: str = "normal"
    quiet_exempt: bool = False
    not_after: datetime | None = None
    idempotency_key: str | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    encoding: str | None = None
    segments: int | None = None
    person_id: int | None = None
    erase_after_send: bool = False
    language: str | None = None


@dataclass(frozen=True)
class QuietPlan:
    """Which messages wait for the end of quiet hours now.

    `services`: services with their own quiet hours that are in them now, each to its
    end; `others`: the end of the default quiet hours when in them now, for messages
    of no service or of a service not in `own`.
    """

    services: dict[str, datetime]
    others: datetime | None
    own: tuple[str, ...]
