"""Handling one inbound message: lock the person, run a step, store everything, commit once.

Two messages from the same person are handled one after the other (a lock per
address in this process; the database row is the truth across restarts). Provider
I/O never happens here: replies are queued in the outbox in the same transaction as
the new state, and the dispatcher sends them after the commit.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.messages import InboundMessage
from bot.core.ports import Database, Store
from bot.core.records import OutboundRow, Participant
from bot.postcodes import PostcodeLookup
from conversations.areas import LocalAuthority
from conversations.engine import AlertDraft, Reply, StepResult
from conversations.i18n import translator
from conversations.menu import MENU_MARKER, MenuResult, menu_step
from conversations.registry import Registry
from conversations.state import ConversationState

log = logging.getLogger(__name__)

MENU_EXPIRY = timedelta(days=7)  # a service menu left unanswered


class UnknownService(LookupError):
    """No service could be chosen for a message."""


@dataclass
class Handled:
    """What handling a message did (for channels that answer inline, and for tests)."""

    duplicate: bool = False
    outbox_ids: list[int] = field(default_factory=list)
    referral_id: int | None = None


class InboundHandler:
    """Runs the engine for inbound messages and stores the results."""

    def __init__(
        self,
        database: Database,
        registry: Registry,
        oncall: tuple[str, ...] = (),
        default_service: str | None = None,
        on_queued: Callable[[], None] | None = None,
        postcodes: PostcodeLookup | None = None,
    ) -> None:
        self.database = database
        self.postcodes = postcodes
        self.registry = registry
        self.oncall = oncall
        self.default_service = default_service
        self.on_queued = on_queued
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, address: str) -> asyncio.Lock:
        lock = self._locks.get(address)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[address] = lock
        return lock

    def choose_service(self, hint: str | None, current: str | None) -> str:
        """An open conversation continues; else the channel's hint; else the default."""
        for candidate in (current, hint, self.default_service):
            if candidate and candidate in self.registry.services:
                return candidate
        enabled = self.registry.enabled()
        if len(enabled) == 1:
            return enabled[0].id
        raise UnknownService("no service for this message")

    async def handle(self, message: InboundMessage) -> Handled:
        """Process one message exactly once; returns the ids of queued replies."""
        async with self._lock(message.address):
            # A message that is a postcode: ask the postcode service (when configured)
            # before the transaction; the engine uses the answer only for a postcode
            # question, and asks the person when there is none.
            authority = (
                await self.postcodes.local_authority(message.text)
                if self.postcodes is not None and message.text
                else None
            )
            handled = await self.database.write(
                lambda store: self._handle(store, message, authority)
            )
        if handled.outbox_ids and self.on_queued is not None:
            self.on_queued()
        return handled

    def _handle(
        self, store: Store, message: InboundMessage, authority: LocalAuthority | None = None
    ) -> Handled:
        now = message.received_at
        if message.external_id and not store.claim_inbound(
            message.channel, message.external_id, now
        ):
            return Handled(duplicate=True)
        participant = store.load_participant(message.address)
        saved = participant.state if participant else None
        menu_shown = bool(saved and MENU_MARKER in saved)
        state = ConversationState.from_json(saved) if saved and not menu_shown else None
        if state is not None and state.service_id not in self.registry.services:
            state = None  # the service was removed: start afresh
        language = (participant.language if participant else None) or message.language_hint or "en"
        text = message.text
        try:
            service_id = self.choose_service(
                message.service_hint, state.service_id if state else None
            )
        except UnknownService:
            if not self.registry.enabled():
                raise
            menu = menu_step(
                self.registry.enabled(),
                text,
                language,
                bool(participant and participant.opted_out),
                menu_shown,
                sms=message.channel == "sms",
            )
            if menu.chosen is None:
                return self._store_menu(store, message, participant, language, menu)
            service_id, text = menu.chosen, ""  # the chosen service's conversation starts
        engine = self.registry.engine(service_id)
        try:
            result = engine.step(
                state,
                text,
                now,
                opted_out=bool(participant and participant.opted_out),
                language=language,
                sms=message.channel == "sms",
                pictures=message.media > 0,
                local_authority=authority,
            )
        except Exception as exc:  # a bug must not lose the message or the stored state
            result = self._apology(exc, service_id, state, participant)
        handled = Handled()
        self._store(store, message, participant, service_id, result, handled)
        return handled

    def _store_menu(
        self,
        store: Store,
        message: InboundMessage,
        participant: Participant | None,
        language: str,
        menu: MenuResult,
    ) -> Handled:
        """Keep only that the menu was shown (and any opt-out); queue its replies."""
        now = message.received_at
        opted_out = bool(participant and participant.opted_out)
        if menu.opt_out is not None:
            opted_out = menu.opt_out
        saved = Participant(
            message.address,
            message.channel,
            language,
            opted_out,
            None,
            {MENU_MARKER: True},
            participant.opted_out_at if participant else None,
        )
        store.save_participant(participant is not None, saved, now, now + MENU_EXPIRY)
        rows = [
            OutboundRow(
                message.channel,
                message.address,
                text,
                "opt_out" if menu.opt_out else "reply",
                True,
                None,
                now,
            )
            for text in menu.replies
        ]
        if menu.crisis:
            rows += self._alert(store, message, None, AlertDraft("crisis", menu.words), None, now)
        return Handled(outbox_ids=store.queue(rows, now) if rows else [])

    def _apology(
        self,
        exc: Exception,
        service_id: str,
        state: ConversationState | None,
        participant: Participant | None,
    ) -> StepResult:
        """Keep the state as it was and ask the person to try again."""
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        # Only the error's type and place: its message might hold what the person wrote.
        log.error(
            "conversation step failed",
            extra={
                "service": service_id,
                "error": type(exc).__name__,
                "at": f"{frame.filename}:{frame.lineno}",
            },
        )
        language = state.language if state else (participant.language if participant else "en")
        text = translator(language).gettext(
            "Sorry, something went wrong on our side. Please send that again."
        )
        return StepResult(state, [Reply(text)])

    def _store(
        self,
        store: Store,
        message: InboundMessage,
        participant: Participant | None,
        service_id: str,
        result: StepResult,
        handled: Handled,
    ) -> None:
        now = message.received_at
        opted_out = bool(participant and participant.opted_out)
        if result.opt_out is not None:
            opted_out = result.opt_out
            log.info("opt-out changed", extra={"service": service_id, "opted_out": opted_out})
        if result.referral is not None:
            handled.referral_id = store.insert_referral(
                result.referral, message.channel, message.address
            )
            log.info(
                "referral stored",
                extra={"referral_id": handled.referral_id, "outcome": result.referral.outcome},
            )
            if result.state is not None:
                result.state.referral_id = handled.referral_id
        if result.monitoring:
            # Optional monitoring answers join the stored referral, one by one, so a
            # person who stops midway keeps what they gave.
            stored = result.state.referral_id if result.state else None
            if stored is not None:
                store.add_referral_answers(stored, result.monitoring)
        if result.consent_declined:
            store.count_event(service_id, "consent_declined", now)
        if result.state is None and not opted_out:
            if participant is not None:
                store.forget_participant(message.address)
        else:
            language = (
                result.state.language
                if result.state
                else (participant.language if participant else "en")
            )
            saved = Participant(
                message.address,
                message.channel,
                language,
                opted_out,
                service_id if result.state else None,
                result.state.to_json() if result.state else None,
                participant.opted_out_at if participant else None,
            )
            days = self.registry.services[service_id].expire_after_days
            expires = now + timedelta(days=days) if result.state else None
            store.save_participant(participant is not None, saved, now, expires)
        rows = [self._row(message, service_id, reply, now) for reply in result.replies]
        # A message from the person never changes a referral's status: it raises an alert.
        referral_id = handled.referral_id or (result.state.referral_id if result.state else None)
        for alert in result.alerts:
            rows += self._alert(store, message, service_id, alert, referral_id, now)
        if rows:
            handled.outbox_ids = store.queue(rows, now)

    def _row(
        self, message: InboundMessage, service_id: str, reply: Reply, now: datetime
    ) -> OutboundRow:
        meta = None
        if reply.field is not None:
            meta = {
                "field": reply.field,
                "kind": reply.kind,
                "choices": list(reply.choices) if reply.choices else None,
            }
        # A reply to the person's own message is urgent: it ignores quiet hours.
        return OutboundRow(
            message.channel, message.address, reply.text, reply.purpose, True, service_id, now, meta
        )

    def _alert(
        self,
        store: Store,
        message: InboundMessage,
        service_id: str | None,
        alert: AlertDraft,
        referral_id: int | None,
        now: datetime,
    ) -> list[OutboundRow]:
        """Record a staff alert (with the words that raised it) and queue it to on-call staff."""
        alert_id = store.add_alert(
            alert.kind, service_id, message.address, referral_id, now, words=alert.words
        )
        log.warning(
            "staff alert",
            extra={
                "alert_id": alert_id,
                "kind": alert.kind,
                "service": service_id,
                "referral_id": referral_id,
            },
        )
        what = _ALERT_WORDING.get(alert.kind, alert.kind)
        how = " Contact by text only." if alert.text_only else ""
        about = f" Referral {referral_id}." if referral_id else ""
        # On-call staff need the address to act (also in `kith alerts list`); never logged,
        # and never the person's own words (staff read them in `kith alerts list`).
        service = service_id or "no service chosen"
        text = f"Kith alert {alert_id} ({service}): {what} from {message.address}.{about}{how}"
        rows = []
        for contact in self.oncall:
            channel = "telegram" if contact.startswith("telegram:") else "sms"
            address = contact if channel == "telegram" else f"sms:{contact}"
            rows.append(
                OutboundRow(channel, address, text, "staff_alert", True, service_id, now, None)
            )
        return rows


_ALERT_WORDING = {
    "crisis": "crisis words",
    "person_requested": "a request for a person",
    "urgent": "an urgent referral out of hours",
}
