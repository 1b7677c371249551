"""`kith outbox list`: what Kith has sent, is sending, or holds back."""

from __future__ import annotations

import json
import sys

from bot.core.deadlines import LONDON
from bot.runtime import open_runtime
from bot.settings import Settings

OUTBOX_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "cancelled")


async def list_outbox(settings: Settings, status: str | None, as_json: bool) -> int:
    """Print outbox rows (newest last), optionally of one status."""
    if status and status not in OUTBOX_STATUSES:
        print(
            f"kith: unknown status {status!r}; one of {', '.join(OUTBOX_STATUSES)}", file=sys.stderr
        )
        return 2
    async with open_runtime(settings) as runtime:
        rows = await runtime.database.read(lambda store: store.list_outbox(status))
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "channel": r.channel,
                        "to": r.address,
                        "kind": r.kind,
                        "status": r.status,
                        "priority": r.priority,
                        "attempts": r.attempts,
                        "created_at": r.created_at.astimezone(LONDON).isoformat(),
                        "text": r.body,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    for r in rows:
        when = r.created_at.astimezone(LONDON).strftime("%d %b %H:%M")
        print(f"{r.id:>6} {when} {r.status:<9} {r.kind:<15} {r.address}")
        print(f"       {r.body[:150]}")
    return 0
