"""`kith alerts list|ack`: crisis words, requests for a person and urgent referrals."""

from __future__ import annotations

import json
import sys
from datetime import datetime

from bot.commands.terminal import show, table
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.staff.alerts import AlertError, acknowledge, alerts
from bot.staff.plain import local_short


def _when(iso: str) -> str:
    return local_short(datetime.fromisoformat(iso))


async def list_alerts(settings: Settings, as_json: bool, include_handled: bool = True) -> int:
    """Alerts, unhandled first: kind, service, referral, words, who to reach, handled."""
    async with open_runtime(settings) as runtime:
        records = await runtime.database.read(lambda store: alerts(store, include_handled))
    if as_json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    if not records:
        print("No alerts.")
        return 0
    grid = table("id", "raised", "kind", "service", "referral", "reach", "words", "handled")
    for r in records:
        handled = f"{r['handled_by']}, {_when(r['handled_at'])}" if r["handled"] else "NOT HANDLED"
        grid.add_row(
            str(r["id"]),
            _when(r["created_at"]),
            r["kind"],
            r["service"] or "-",
            str(r["referral_id"] or "-"),
            r["phone"] or r["address"],
            r["words"] or "",
            handled,
        )
    show(grid)
    return 0


async def ack_alert(settings: Settings, alert_id: int, by: str, note: str | None) -> int:
    """Record who handled an alert, and when."""
    async with open_runtime(settings) as runtime:
        try:
            record = await runtime.database.write(
                lambda store: acknowledge(store, alert_id, by, runtime.clock(), note)
            )
        except AlertError as exc:
            print(f"kith: {exc}", file=sys.stderr)
            return 2
    print(f"alert {alert_id} handled by {record['handled_by']}")
    return 0
