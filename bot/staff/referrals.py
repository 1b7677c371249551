"""The referral queue: what is due, who to call, and what staff decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.ports import Store
from bot.core.records import Alert, Referral
from bot.core.referral import OPEN_STATUSES
from bot.staff.plain import due_plainly, local_iso

VIEWS = ("open", "all", "overdue", "due_today")


def phone_of(address: str, answers: dict[str, Any]) -> str | None:
    """The person's phone number in E.164: the number given for them, or their SMS address.

    In a referral made for someone else the SMS address is the referrer's, so the
    person's own number (`person_phone`) comes first.
    """
    given = answers.get("person_phone") or answers.get("phone")
    if isinstance(given, str):
        return given
    return address[4:] if address.startswith("sms:") else None


def flags_of(row: Referral, alerts: list[Alert]) -> list[str]:
    """urgent, crisis (any crisis alert), person asked (an unhandled request)."""
    flags = ["urgent"] if row.urgent else []
    mine = [a for a in alerts if a.referral_id == row.id or a.address == row.address]
    if any(a.kind == "crisis" for a in mine):
        flags.append("crisis")
    if any(a.kind == "person_requested" and a.resolved_at is None for a in mine):
        flags.append("person asked")
    return flags


@dataclass(frozen=True)
class QueueEntry:
    """One referral as the staff queue shows it."""

    row: Referral
    first_name: str | None
    phone: str | None
    due: str
    overdue: bool
    flags: list[str]

    def as_json(self) -> dict[str, Any]:
        """Every field of the referral (INTERFACES' shape) plus what the queue adds."""
        return {
            **referral_json(self.row),
            "first_name": self.first_name,
            "phone": self.phone,
            "due": self.due,
            "overdue": self.overdue,
            "flags": self.flags,
        }


def referral_json(row: Referral) -> dict[str, Any]:
    """A referral as INTERFACES.md's JSON shape (local times with offset)."""
    answers = dict(row.answers)
    return {
        "id": row.id,
        "service": row.service_id,
        "channel": row.channel,
        "phone": phone_of(row.address, answers),
        "language": row.language,
        "referrer": row.referrer,
        "outcome": row.outcome,
        "reasons": list(row.reasons),
        "priority": list(row.priority),
        "urgent": row.urgent,
        "status": row.status,
        "created_at": local_iso(row.created_at),
        "first_contact_due": local_iso(row.first_contact_due),
        "first_meeting_due": local_iso(row.first_meeting_due),
        "answers": answers,
    }


def _matches(entry: QueueEntry, needle: str) -> bool:
    needle = needle.strip().casefold()
    haystack = [str(entry.row.id), entry.row.service_id, entry.first_name or "", entry.phone or ""]
    return any(needle in part.casefold() for part in haystack) or needle.lstrip("#") == str(
        entry.row.id
    )


def queue(
    store: Store,
    now: datetime,
    view: str = "open",
    service_id: str | None = None,
    search: str | None = None,
    limit: int | None = None,
) -> list[QueueEntry]:
    """Referrals for staff: urgent and overdue first, then by first-contact due.

    `view` is `open` (new, contacted, meeting booked), `all`, `overdue` (open and past
    their first-contact due) or `due_today` (open, due before the end of today).
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}")
    rows = store.find_referrals(None if view == "all" else OPEN_STATUSES, service_id)
    alerts = store.alerts_for([r.id for r in rows], [r.address for r in rows])
    entries = []
    for row in rows:
        due = row.first_contact_due
        overdue = row.status in OPEN_STATUSES and due is not None and due < now
        name = row.answers.get("first_name")
        entries.append(
            QueueEntry(
                row=row,
                first_name=name if isinstance(name, str) else None,
                phone=phone_of(row.address, dict(row.answers)),
                due=due_plainly(due, now) if row.status in OPEN_STATUSES else row.status,
                overdue=overdue,
                flags=flags_of(row, alerts),
            )
        )
    if view == "overdue":
        entries = [e for e in entries if e.overdue]
    elif view == "due_today":
        today = local_iso(now)[:10]  # type: ignore[index]
        entries = [
            e
            for e in entries
            if e.row.first_contact_due is not None
            and (local_iso(e.row.first_contact_due) or "")[:10] <= today
        ]
    if search:
        entries = [e for e in entries if _matches(e, search)]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    entries.sort(
        key=lambda e: (
            not (e.row.urgent or e.overdue),
            e.row.first_contact_due or far,
            e.row.id,
        )
    )
    return entries[:limit] if limit else entries
