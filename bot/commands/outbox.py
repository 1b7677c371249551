"""`kith outbox list|retry|cancel`: what Kith has sent, is sending, or holds back."""

from __future__ import annotations

import json
import sys
from datetime import datetime

from bot.runtime import open_runtime
from bot.settings import Settings
from bot.staff.outbox import OutboxError, cancel, messages, retry
from bot.staff.plain import local_short

BODY_SHOWN = 40


async def list_outbox(
    settings: Settings, status: str | None, urgent_only: bool, as_json: bool
) -> int:
    """One line per message, oldest first (body shortened); --json keeps every field."""
    async with open_runtime(settings) as runtime:
        try:
            rows = await runtime.database.read(lambda store: messages(store, status, urgent_only))
        except OutboxError as exc:
            print(f"kith: {exc}", file=sys.stderr)
            return 2
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("No messages.")
        return 0
    for r in rows:
        body = " ".join(r["text"].split())
        if len(body) > BODY_SHOWN:
            body = body[: BODY_SHOWN - 1] + "…"
        when = local_short(datetime.fromisoformat(r["created_at"]))
        print(
            f"{r['id']:>6}  {when:<16} {r['status']:<9} {r['priority']:<6} {r['kind']:<12} "
            f"{r['phone'] or r['address']:<16} {r['attempts']}  {body}"
        )
    return 0


async def change(settings: Settings, action: str, outbox_id: int, by: str) -> int:
    """`retry` or `cancel` one message; exit 2 with one line when it cannot be done."""
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:
            await runtime.database.write(
                lambda store: (
                    retry(store, outbox_id, by, now)
                    if action == "retry"
                    else cancel(store, outbox_id, by)
                )
            )
        except OutboxError as exc:
            print(f"kith: {exc}", file=sys.stderr)
            return 2
    print(f"message {outbox_id}: {'queued to send now' if action == 'retry' else 'cancelled'}")
    return 0
