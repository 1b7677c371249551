"""Deadline watch: each working morning, on-call staff get one digest of referral deadlines.

The digest lists the open referrals whose first-contact or first-meeting deadline is
due by the end of the next working day, or has passed; a deadline that has passed is
recorded as a breach (once) for the reports that come later. It names referral ids,
services and due days only: staff read the rest in `kith referrals show`.

Working mornings are England's (Kith's on-call contacts are one list); each referral's
"next working day" is its own service's nation's. The digest is queued from 08:30 and
is worth sending until 17:00 that day; a process that was down all day sends none.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import NamedTuple

from bot.core.deadlines import LONDON, is_working_day, next_working_day
from bot.core.ports import Database, Store
from bot.core.records import OutboundRow, Referral
from conversations.registry import Registry

log = logging.getLogger(__name__)

MORNING = time(8, 30)
WORTH_UNTIL = time(17, 0)
# Which deadline applies while the referral is at which status.
WATCHED = {
    "first_contact": ("new",),
    "first_meeting": ("new", "contacted"),
}


class Due(NamedTuple):
    """One deadline in the digest."""

    referral_id: int
    service_id: str
    deadline: str
    due_at: datetime
    passed: bool


def digest_due(now: datetime) -> bool:
    """True on a working day from 08:30 until 17:00 (London)."""
    local = now.astimezone(LONDON)
    return is_working_day(local.date()) and MORNING <= local.time() < WORTH_UNTIL


async def deadline_watch(
    database: Database, registry: Registry, oncall: tuple[str, ...], now: datetime
) -> int:
    """Queue today's digest (once a day, whoever runs it) and record breaches."""
    if not digest_due(now):
        return 0
    queued = await database.write(lambda store: _watch(store, registry, oncall, now))
    if queued:
        log.info("deadline digest queued", extra={"count": queued})
    return queued


def _deadlines(store: Store, registry: Registry, now: datetime) -> list[Due]:
    today = now.astimezone(LONDON).date()
    found = []
    for referral in store.find_referrals(statuses=("new", "contacted")):
        service = registry.services.get(referral.service_id)
        nation = service.nation if service else "england"
        horizon = datetime.combine(next_working_day(today, nation), time(23, 59, 59), LONDON)
        for name, statuses in WATCHED.items():
            due_at = _due(referral, name)
            if due_at is None or referral.status not in statuses or due_at > horizon:
                continue
            found.append(Due(referral.id, referral.service_id, name, due_at, due_at < now))
    return sorted(found, key=lambda d: (not d.passed, d.due_at, d.referral_id))


def _due(referral: Referral, name: str) -> datetime | None:
    return referral.first_contact_due if name == "first_contact" else referral.first_meeting_due


def _watch(store: Store, registry: Registry, oncall: tuple[str, ...], now: datetime) -> int:
    due = _deadlines(store, registry, now)
    for item in due:
        if item.passed:
            store.record_breach(item.referral_id, item.service_id, item.deadline, item.due_at, now)
    if not due or not oncall:
        return 0
    local = now.astimezone(LONDON)
    text = digest_text(due, now)
    until = datetime.combine(local.date(), WORTH_UNTIL, LONDON)
    rows = []
    for contact in oncall:
        channel = "telegram" if contact.startswith("telegram:") else "sms"
        address = contact if channel == "telegram" else f"sms:{contact}"
        rows.append(
            OutboundRow(
                channel,
                address,
                text,
                "deadline_digest",
                "normal",
                None,
                now,
                not_after=until,
                idempotency_key=f"deadline_digest:{local.date().isoformat()}:{contact}",
                language="en",  # staff
            )
        )
    return len(store.queue(rows, now))


def _day(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b}"


def digest_text(due: list[Due], now: datetime) -> str:
    """The digest: overdue first, then due soon; ids, services and days only."""
    lines = [f"Kith deadlines {_day(now)}: {len(due)}."]
    for item in due:
        what = item.deadline.replace("_", " ")
        state = "OVERDUE since" if item.passed else "due"
        lines.append(f"#{item.referral_id} {item.service_id} {what} {state} {_day(item.due_at)}")
    return "\n".join(lines)
