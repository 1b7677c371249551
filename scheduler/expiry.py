"""Idle conversations expire (default 7 days): what was kept before a referral goes.

An unfinished conversation gets one notice, queued as not urgent so that it waits
for the end of the service's quiet hours: nobody is texted in the night.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import repository as repo
from bot.storage.tables import participants
from conversations import messages as say
from conversations.i18n import translator
from conversations.menu import MENU_MARKER
from conversations.registry import Registry
from conversations.state import DONE, ConversationState
from scheduler.quiet_hours import release_time

log = logging.getLogger(__name__)


async def expire_idle(db: AsyncEngine, registry: Registry, now: datetime) -> int:
    """Expire conversations idle past their time; returns how many expired."""
    async with db.begin() as conn:
        rows = (
            await conn.execute(
                select(participants).where(
                    participants.c.expires_at <= now, participants.c.state.is_not(None)
                )
            )
        ).all()
        for row in rows:
            if MENU_MARKER in row.state:  # only a service menu was shown: nothing to say
                await conn.run_sync(repo.forget_participant, row.address)
                continue
            state = ConversationState.from_json(row.state)
            service = registry.services.get(state.service_id)
            if service is not None and state.phase != DONE and not row.opted_out:
                t = translator(state.language)
                await conn.run_sync(
                    repo.queue,
                    [
                        repo.OutboundRow(
                            row.channel,
                            row.address,
                            say.expired(t, service),
                            "expiry",
                            False,
                            service.id,
                            release_time(now, service.quiet_hours),
                        )
                    ],
                    now,
                )
            if state.consent_at is None and service is not None:
                await conn.run_sync(repo.count_event, service.id, "expired_before_consent", now)
            await conn.run_sync(repo.forget_participant, row.address)
    if rows:
        log.info("conversations expired", extra={"count": len(rows)})
    return len(rows)
