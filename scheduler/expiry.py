"""Idle conversations expire (default 7 days): what was kept before a referral goes.

An unfinished conversation gets one notice, queued as not urgent so that it waits
for the end of the service's quiet hours: nobody is texted in the night.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.ports import Database, Store
from bot.core.quiet_hours import release_time
from bot.core.records import OutboundRow
from conversations import messages as say
from conversations.i18n import translator
from conversations.menu import MENU_MARKER
from conversations.registry import Registry
from conversations.state import FINISHED, ConversationState

log = logging.getLogger(__name__)


async def expire_idle(database: Database, registry: Registry, now: datetime) -> int:
    """Expire conversations idle past their time; returns how many expired."""
    count = await database.write(lambda store: _expire(store, registry, now))
    if count:
        log.info("conversations expired", extra={"count": count})
    return count


def _expire(store: Store, registry: Registry, now: datetime) -> int:
    """One transaction of `expire_idle`: notices queued, what was kept forgotten.

    A conversation that ends without a referral leaves nothing of the person: their
    outbox rows keep only status and counts (the notice is blanked once sent).
    """
    expired = store.expired_participants(now)
    count = 0
    for row in expired:
        assert row.state is not None
        # Claim, then act: forgotten only if still expired now (a message saved since
        # the read moved the expiry on, and that conversation goes on).
        if not store.forget_participant(row.address, expired_by=now):
            continue
        count += 1
        if MENU_MARKER in row.state:  # only a service menu was shown: nothing to say
            if row.person_id is not None:
                store.forget_person(row.person_id)
            continue
        state = ConversationState.from_json(row.state)
        service = registry.services.get(state.service_id)
        if service is not None and state.phase not in FINISHED and not row.opted_out:
            t = translator(state.language)
            notice = OutboundRow(
                row.channel,
                row.address,
                say.expired(t, service),
                "expiry",
                "normal",
                service.id,
                release_time(now, service.quiet_hours),
                person_id=row.person_id,
                language=state.language,
            )
            store.queue([notice], now)
        if state.consent_at is None and service is not None:
            store.count_event(service.id, "expired_before_consent", now)
        if state.referral_id is None and row.person_id is not None:
            store.forget_person(row.person_id)
    return count
