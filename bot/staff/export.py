"""Referrals as a table for spreadsheets: one header per column, local times, safe cells."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bot.core.ports import Store
from bot.staff.referrals import referral_json
from conversations.answers import describe
from conversations.registry import Registry

FIXED = (
    "id",
    "service",
    "channel",
    "phone",
    "language",
    "referrer",
    "outcome",
    "reasons",
    "reason_words",
    "priority",
    "urgent",
    "status",
    "created_at",
    "first_contact_due",
    "first_meeting_due",
)
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection); a valid E.164 number stays as it is."""
    if _E164.fullmatch(value):
        return value
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_rows(
    store: Store,
    registry: Registry,
    service_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[list[str]]:
    """The header, then one row per referral received in [since, until)."""
    rows = [
        r
        for r in store.find_referrals(None, service_id)
        if (since is None or r.created_at >= since) and (until is None or r.created_at < until)
    ]
    records = [referral_json(row) for row in rows]
    fields = sorted({name for record in records for name in record["answers"]})
    # An answer named like a fixed column gets its own header, never a duplicate.
    headers = [f"answer_{f}" if f in FIXED else f for f in fields]
    yield [*FIXED, *headers]
    for record in records:
        record["reason_words"] = _reason_words(registry, record)
        yield [safe_cell(describe(record[c])) for c in FIXED] + [
            safe_cell(describe(record["answers"].get(f))) for f in fields
        ]


def _reason_words(registry: Registry, record: dict[str, Any]) -> str:
    service = registry.services.get(record["service"])
    if service is None:
        return ""
    explain = {rule.reason: rule.explain for rule in service.rules}
    return " | ".join(explain.get(code, code) for code in record["reasons"])
