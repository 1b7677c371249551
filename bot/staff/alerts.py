"""Staff alerts: what needs a person (crisis words, a request, an urgent referral)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.ports import Store
from bot.core.records import Alert
from bot.staff.plain import local_iso
from bot.staff.referrals import phone_of


class AlertError(ValueError):
    """An alert action that cannot be done (unknown id, already handled)."""


def alert_json(row: Alert) -> dict[str, Any]:
    """An alert as staff see it: who to reach, what raised it, whether it is handled."""
    return {
        "id": row.id,
        "kind": row.kind,
        "service": row.service_id,
        "referral_id": row.referral_id,
        "phone": phone_of(row.address, {}),
        "address": row.address,
        "words": row.words,
        "created_at": local_iso(row.created_at),
        "handled": row.resolved_at is not None,
        "handled_at": local_iso(row.resolved_at),
        "handled_by": row.handled_by,
        "handled_note": row.handled_note,
    }


def alerts(store: Store, include_handled: bool = True) -> list[dict[str, Any]]:
    """Alerts, unhandled first, newest first within each."""
    return [alert_json(row) for row in store.list_alerts(include_handled)]


def acknowledge(
    store: Store, alert_id: int, by: str, now: datetime, note: str | None = None
) -> dict[str, Any]:
    """Record that `by` handled the alert now (with an optional note)."""
    row = store.get_alert(alert_id)
    if row is None:
        raise AlertError(f"no alert {alert_id}")
    if row.resolved_at is not None:
        raise AlertError(f"alert {alert_id} was already handled by {row.handled_by}")
    store.ack_alert(alert_id, by, note.strip() if note else None, now)
    updated = store.get_alert(alert_id)
    assert updated is not None
    return alert_json(updated)
