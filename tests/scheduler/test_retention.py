"""A handled crisis alert keeps its words and number for the retention period, then not.

INTERFACES "Alerts": for a crisis, the words that raised it and the person's number are
"kept until acknowledged and for the service's retention period after" (issue 11, 7).
The period is `alert_retention_days` in the definition; Kirklees carers sets none, so
Kith's default of 90 days applies (docs/service-definitions.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.messages import InboundMessage
from bot.inbound import InboundHandler
from bot.storage.database import SqlDatabase
from bot.storage.tables import person_addresses, persons, staff_alerts
from conversations.registry import load_registry
from scheduler.retention import purge_handled_alerts

SERVICE = "kirklees-carers-options"
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WORDS = "I want to end my life"


async def _say(handler: InboundHandler, address: str, text: str) -> None:
    await handler.handle(InboundMessage("sms", address, text, START, service_hint=SERVICE))


async def test_crisis_words_and_number_go_90_days_after_handling_not_before(
    db: AsyncEngine, database: SqlDatabase
) -> None:
    registry = load_registry()
    handler = InboundHandler(database, registry)
    for text in ("hi", WORDS, "continue", "no"):  # crisis words, then consent declined
        await _say(handler, "sms:+447700900123", text)
    await _say(handler, "sms:+447700900456", WORDS)  # never handled
    handled_at = START + timedelta(hours=1)
    await database.write(lambda store: store.ack_alert(1, "Jo", "rang back", handled_at))

    async def alerts() -> list[tuple[object, ...]]:
        async with db.connect() as conn:
            query = select(staff_alerts.c.id, staff_alerts.c.words, staff_alerts.c.address)
            return [tuple(r) for r in await conn.execute(query.order_by(staff_alerts.c.id))]

    before = await alerts()
    assert before == [(1, WORDS, "sms:+447700900123"), (2, WORDS, "sms:+447700900456")]
    # Still within the retention period: nothing changes.
    assert await purge_handled_alerts(database, registry, handled_at + timedelta(days=89)) == 0
    assert await alerts() == before
    # After it: the handled alert keeps only that it happened; the open one is untouched.
    assert await purge_handled_alerts(database, registry, handled_at + timedelta(days=91)) == 1
    assert await alerts() == [(1, None, ""), (2, WORDS, "sms:+447700900456")]
    async with db.connect() as conn:
        people = (await conn.execute(select(person_addresses.c.address))).scalars().all()
        count = len((await conn.execute(select(persons.c.id))).all())
    # The person who declined is gone with their alert's details; the other stays.
    assert people == ["sms:+447700900456"] and count == 1
