"""`kith referrals ...`: the staff view of referrals: list, show, set-status, export."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from bot.core.deadlines import LONDON
from bot.core.referral import STATUSES
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.storage import repository as repo
from conversations.answers import describe


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(LONDON).isoformat() if moment else None


def referral_json(row: Row[Any]) -> dict[str, Any]:
    """A referral as INTERFACES.md's JSON shape."""
    return {
        "id": row.id,
        "service": row.service_id,
        "channel": row.channel,
        "language": row.language,
        "referrer": row.referrer,
        "outcome": row.outcome,
        "reasons": list(row.reasons),
        "priority": list(row.priority),
        "urgent": row.urgent,
        "status": row.status,
        "created_at": _iso(row.created_at),
        "first_contact_due": _iso(row.first_contact_due),
        "first_meeting_due": _iso(row.first_meeting_due),
        "answers": dict(row.answers),
    }


async def list_referrals(
    settings: Settings, service: str | None, status: str | None, as_json: bool
) -> int:
    """Print referrals as a table or a JSON array."""
    if status and status not in STATUSES:
        print(f"kith: unknown status {status!r}; one of {', '.join(STATUSES)}", file=sys.stderr)
        return 2
    async with open_runtime(settings) as runtime:
        if service and service not in runtime.registry.services:
            print(f"kith: unknown service {service!r}", file=sys.stderr)
            return 2
        async with runtime.db.connect() as conn:
            rows = await conn.run_sync(repo.list_referrals, service, status)
    if as_json:
        print(json.dumps([referral_json(row) for row in rows], ensure_ascii=False, indent=1))
        return 0
    print(f"{'id':>5}  {'service':<26} {'outcome':<13} {'status':<15} {'urgent':<6} contact due")
    for row in rows:
        due = row.first_contact_due.astimezone(LONDON).strftime("%a %d %b %Y %H:%M")
        print(
            f"{row.id:>5}  {row.service_id:<26} {row.outcome:<13} {row.status:<15} "
            f"{'yes' if row.urgent else '':<6} {due}"
        )
    return 0


async def show_referral(settings: Settings, referral_id: int, as_json: bool) -> int:
    """Print one referral with its answers and status history."""
    async with open_runtime(settings) as runtime, runtime.db.connect() as conn:
        row = await conn.run_sync(repo.get_referral, referral_id)
        if row is None:
            print(f"kith: no referral {referral_id}", file=sys.stderr)
            return 2
        history = await conn.run_sync(repo.referral_history, referral_id)
    data = referral_json(row)
    data["contact"] = row.address
    data["history"] = [
        {"status": h.status, "note": h.note, "at": _iso(h.changed_at), "by": h.changed_by}
        for h in history
    ]
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    for key in (
        "id",
        "service",
        "contact",
        "channel",
        "language",
        "referrer",
        "outcome",
        "reasons",
        "priority",
        "urgent",
        "status",
        "created_at",
        "first_contact_due",
        "first_meeting_due",
    ):
        print(f"{key:>18}: {describe(data[key])}")
    print("           answers:")
    for name, value in data["answers"].items():
        print(f"{name:>30}: {describe(value)}")
    print("           history:")
    for entry in data["history"]:
        print(f"    {entry['at']}  {entry['status']:<15} {entry['by']:<10} {entry['note'] or ''}")
    return 0


async def set_status(
    settings: Settings, referral_id: int, status: str, note: str | None, by: str
) -> int:
    """Move a referral to `status`, with a note, in its history."""
    if status not in STATUSES:
        print(f"kith: unknown status {status!r}; one of {', '.join(STATUSES)}", file=sys.stderr)
        return 2
    async with open_runtime(settings) as runtime, runtime.db.begin() as conn:
        if await conn.run_sync(repo.get_referral, referral_id) is None:
            print(f"kith: no referral {referral_id}", file=sys.stderr)
            return 2
        await conn.run_sync(repo.add_history, referral_id, status, note, runtime.clock(), by)
    print(f"referral {referral_id}: {status}")
    return 0


EXPORT_COLUMNS = (
    "id",
    "service",
    "channel",
    "language",
    "referrer",
    "outcome",
    "reasons",
    "priority",
    "urgent",
    "status",
    "created_at",
    "first_contact_due",
    "first_meeting_due",
)


async def export_referrals(settings: Settings, service: str | None) -> int:
    """Write every referral as CSV on stdout: fixed columns, then one column per answer."""
    async with open_runtime(settings) as runtime, runtime.db.connect() as conn:
        rows = await conn.run_sync(repo.list_referrals, service, None)
    records = [referral_json(row) for row in rows]
    answer_fields = sorted({name for record in records for name in record["answers"]})
    writer = csv.writer(sys.stdout)
    writer.writerow([*EXPORT_COLUMNS, *answer_fields])
    for record in records:
        writer.writerow(
            [_cell(describe(record[c])) for c in EXPORT_COLUMNS]
            + [_cell(describe(record["answers"].get(f))) for f in answer_fields]
        )
    return 0


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in free-text answers."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
