"""`kith alerts list`: crisis words and requests for a person, newest first, for staff."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.core.deadlines import LONDON
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.storage.tables import staff_alerts


async def list_alerts(settings: Settings, as_json: bool) -> int:
    """Print staff alerts, newest first, with who to reach."""
    query = select(staff_alerts).order_by(staff_alerts.c.id.desc())
    async with open_runtime(settings) as runtime, runtime.db.connect() as conn:
        rows = (await conn.execute(query)).all()
    records = [
        {
            "id": r.id,
            "kind": r.kind,
            "service": r.service_id,
            "contact": r.address,
            "referral_id": r.referral_id,
            "created_at": r.created_at.astimezone(LONDON).isoformat(),
        }
        for r in rows
    ]
    if as_json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    for record in records:
        print(
            f"{record['id']:>5}  {record['created_at'][:16]}  {record['kind']:<7} "
            f"{record['service'] or '-':<26} {record['contact']}"
            + (f"  referral {record['referral_id']}" if record["referral_id"] else "")
        )
    return 0
