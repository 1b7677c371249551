"""Handled alerts keep the words that raised them and the number for a while, then not.

INTERFACES "Alerts": a crisis alert keeps the words and the person's number until it
is handled and for the service's retention period after (`alert_retention_days` in
the definition). Then both go, and so does the person when no referral or other alert
needs them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.ports import Database, Store
from conversations.definition import DEFAULT_ALERT_RETENTION_DAYS
from conversations.registry import Registry

log = logging.getLogger(__name__)

DEFAULT_RETENTION = timedelta(days=DEFAULT_ALERT_RETENTION_DAYS)


async def purge_handled_alerts(database: Database, registry: Registry, now: datetime) -> int:
    """Remove words and numbers from alerts handled longer ago than their retention."""
    count = await database.write(lambda store: _purge(store, registry, now))
    if count:
        log.info("handled alerts purged", extra={"count": count})
    return count


def _purge(store: Store, registry: Registry, now: datetime) -> int:
    people: set[int] = set()
    for service in registry.services.values():
        cutoff = now - timedelta(days=service.alert_retention_days)
        people.update(store.purge_handled_alerts([service.id], cutoff))
    # Alerts raised before a service was chosen (the service menu) keep Kith's default.
    people.update(store.purge_handled_alerts([None], now - DEFAULT_RETENTION))
    for person_id in people:
        store.forget_person(person_id)
    return len(people)
