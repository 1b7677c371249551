"""The outbox as an operator sees it: what is waiting, sent or failed; retry and cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.ports import Store
from bot.core.records import OutboxMessage
from bot.staff.plain import local_iso
from bot.staff.referrals import phone_of

STATUSES = ("queued", "sending", "sent", "delivered", "failed", "cancelled")


class OutboxError(ValueError):
    """An outbox action that cannot be done (unknown id, already sent)."""


def message_json(row: OutboxMessage) -> dict[str, Any]:
    """One outbox row with every field staff may need; times local, the number as `phone`."""
    return {
        "id": row.id,
        "channel": row.channel,
        "phone": phone_of(row.address, {}),
        "address": row.address,
        "kind": row.kind,
        "priority": row.priority,
        "quiet_exempt": row.quiet_exempt,
        "service": row.service_id,
        "status": row.status,
        "attempts": row.attempts,
        "error": row.error,
        "created_at": local_iso(row.created_at),
        "not_before": local_iso(row.not_before),
        "not_after": local_iso(row.not_after),
        "sent_at": local_iso(row.sent_at),
        "provider_status": row.provider_status,
        "segments": row.segments,
        "text": row.body,
    }


def messages(store: Store, status: str | None, urgent_only: bool) -> list[dict[str, Any]]:
    """Outbox rows, oldest first, optionally of one status or only urgent ones."""
    if status is not None and status not in STATUSES:
        raise OutboxError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    rows = store.list_outbox(status)
    return [message_json(r) for r in rows if not urgent_only or r.priority == "urgent"]


def retry(store: Store, outbox_id: int, by: str, now: datetime) -> None:
    """Send a failed, cancelled or waiting message again now, with fresh attempts."""
    row = store.get_outbox(outbox_id)
    if row is None:
        raise OutboxError(f"no message {outbox_id}")
    if row.status not in ("failed", "cancelled", "queued"):
        raise OutboxError(
            f"message {outbox_id} is {row.status}: only a failed, cancelled "
            "or waiting message can be tried again"
        )
    store.requeue_message(outbox_id, now, f"retried by {by}"[:200])


def cancel(store: Store, outbox_id: int, by: str) -> None:
    """Stop a waiting message from being sent."""
    row = store.get_outbox(outbox_id)
    if row is None:
        raise OutboxError(f"no message {outbox_id}")
    if row.status != "queued":
        raise OutboxError(
            f"message {outbox_id} is {row.status}: only a waiting message can be cancelled"
        )
    store.record_send(outbox_id, status="cancelled", error=f"cancelled by {by}"[:200])
