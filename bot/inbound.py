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
from bot.replies import route_reply
from bot.routed import Routed
from conversations.areas import LocalAuthority
from conversations.engine import AlertDraft, Reply, StepResult
from conversations.i18n import translator
from conversations.languages import from_hint
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
        # Telegram's language_code ("ur-PK") is the first guess for a new address.
        hint = from_hint(message.language_hint)
        language = (participant.language if participant else None) or hint or "en"
        text = message.text
        routed = route_reply(store, message, participant, state, now, self.registry)
        if routed is not None and routed.text is None:
            return self._store_routed(store, message, participant, state, routed)
        if routed is not None and routed.text is not None:
            text = routed.text  # the conversation's, perhaps after "which is it for?"
        hint = message.service_hint or (routed.service_hint if routed else None)
        try:
            service_id = self.choose_service(hint, state.service_id if state else None)
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
        if routed is not None and routed.alerts:
            person_id, _ = _person(store, message, participant)
            handled.outbox_ids += store.queue(
                self._routed_alerts(store, message, routed, now, person_id), now
            )
        return handled

    def _routed_alerts(
        self,
        store: Store,
        message: InboundMessage,
        routed: Routed,
        now: datetime,
        person_id: int,
    ) -> list[OutboundRow]:
        rows: list[OutboundRow] = []
        for alert in routed.alerts:
            rows += self._alert(
                store,
                message,
                alert.service_id,
                alert.draft,
                alert.referral_id,
                now,
                alert.person_id or person_id,
                alert.first_name,
                about=alert.address,
                note=alert.note,
            )
        return rows

    def _store_routed(
        self,
        store: Store,
        message: InboundMessage,
        participant: Participant | None,
        state: ConversationState | None,
        routed: Routed,
    ) -> Handled:
        """A reply the router handled itself: its answers, alerts, and any opt-out."""
        now = message.received_at
        person_id, _ = _person(store, message, participant)
        service_id = routed.service_id or (state.service_id if state else None)
        if routed.opt_out is not None:
            log.info("opt-out changed", extra={"service": service_id, "opted_out": routed.opt_out})
            saved = Participant(
                message.address,
                message.channel,
                participant.language if participant else routed.language,
                routed.opt_out,
                participant.service_id if participant else None,
                participant.state if participant else None,
                participant.opted_out_at if participant else None,
                person_id,
            )
            expires = None
            if participant is not None and participant.state is not None:
                service = self.registry.services.get(participant.service_id or "")
                days = service.expire_after_days if service else 7
                expires = now + timedelta(days=days)
            store.save_participant(participant is not None, saved, now, expires)
        replies = [r if isinstance(r, Reply) else Reply(r) for r in routed.replies]
        if routed.resume and state is not None and state.service_id in self.registry.services:
            replies += self.registry.engine(state.service_id).resume(state)
        rows = [
            self._row(message, service_id, reply, now, person_id, routed.language)
            for reply in replies
        ]
        rows += self._routed_alerts(store, message, routed, now, person_id)
        return Handled(outbox_ids=store.queue(rows, now) if rows else [])

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
        person_id, _ = _person(store, message, participant)
        saved = Participant(
            message.address,
            message.channel,
            language,
            opted_out,
            None,
            {MENU_MARKER: True},
            participant.opted_out_at if participant else None,
            person_id,
        )
        store.save_participant(participant is not None, saved, now, now + MENU_EXPIRY)
        rows = [
            OutboundRow(
                message.channel,
                message.address,
                text,
                "opt_out" if menu.opt_out else "reply",
                "urgent",
                None,
                now,
                quiet_exempt=True,
                person_id=person_id,
                language=language,
            )
            for text in menu.replies
        ]
        if menu.crisis:
            alert = AlertDraft("crisis", menu.words)
            rows += self._alert(store, message, None, alert, None, now, person_id)
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
        person_id, new_person = _person(store, message, participant)
        if result.referral is not None:
            handled.referral_id = store.insert_referral(
                result.referral, message.channel, message.address, person_id
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
                person_id,
            )
            days = self.registry.services[service_id].expire_after_days
            expires = now + timedelta(days=days) if result.state else None
            store.save_participant(participant is not None, saved, now, expires)
        said_in = (
            result.state.language
            if result.state
            else (participant.language if participant else from_hint(message.language_hint) or "en")
        )
        rows = [
            self._row(message, service_id, reply, now, person_id, said_in)
            for reply in result.replies
        ]
        # A message from the person never changes a referral's status: it raises an alert.
        referral_id = handled.referral_id or (result.state.referral_id if result.state else None)
        answers = result.state.answers if result.state else {}
        first_name = answers.get("first_name")
        for alert in result.alerts:
            rows += self._alert(
                store, message, service_id, alert, referral_id, now, person_id, first_name
            )
        if rows:
            handled.outbox_ids = store.queue(rows, now)
        # Declined (or a first message that kept nothing): "we have not kept your answers"
        # holds for the outbox too. Rows still to send are blanked once sent.
        if result.consent_declined or (result.state is None and new_person and not opted_out):
            store.forget_person(person_id)

    def _row(
        self,
        message: InboundMessage,
        service_id: str | None,
        reply: Reply,
        now: datetime,
        person_id: int | None,
        language: str,
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
            message.channel,
            message.address,
            reply.text,
            reply.purpose,
            "urgent",
            service_id,
            now,
            meta,
            quiet_exempt=True,
            person_id=person_id,
            language=language,
        )

    def _alert(
        self,
        store: Store,
        message: InboundMessage,
        service_id: str | None,
        alert: AlertDraft,
        referral_id: int | None,
        now: datetime,
        person_id: int,
        first_name: object = None,
        about: str | None = None,
        note: str | None = None,
    ) -> list[OutboundRow]:
        """Record a staff alert (with the words that raised it) and queue it to on-call staff.

        `about` is the address of the person to reach when it is not the sender's (a
        volunteer's concern is about their callee); `note` is added to the on-call text.
        """
        address = about or message.address
        alert_id = store.add_alert(
            alert.kind,
            service_id,
            address,
            referral_id,
            now,
            words=alert.words,
            person_id=person_id,
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
        text = oncall_text(alert_id, alert, service_id, address, referral_id, first_name)
        if note:
            text = f"{text} {note}"
        rows = []
        for contact in self.oncall:
            channel = "telegram" if contact.startswith("telegram:") else "sms"
            address = contact if channel == "telegram" else f"sms:{contact}"
            rows.append(
                OutboundRow(
                    channel,
                    address,
                    text,
                    "staff_alert",
                    "urgent",
                    service_id,
                    now,
                    quiet_exempt=True,
                    person_id=person_id,
                    language="en",  # staff
                )
            )
        return rows


def oncall_text(
    alert_id: int,
    alert: AlertDraft,
    service_id: str | None,
    address: str,
    referral_id: int | None,
    first_name: object,
) -> str:
    """The text to on-call staff: what they need to act, never the person's own words.

    Alert id, service, first name when known, and the number to reach (an SMS address
    as its E.164 number). Staff read the words in `kith alerts list`. Never logged.
    """
    what = _ALERT_WORDING.get(alert.kind, alert.kind)
    service = service_id or "no service chosen"
    number = address.removeprefix("sms:")
    name = f" {first_name.strip()}" if isinstance(first_name, str) and first_name.strip() else ""
    about = f" Referral {referral_id}." if referral_id else ""
    how = " Contact by text only." if alert.text_only else ""
    # A volunteer's concern is about their callee: the number is the callee's.
    preposition = "about" if alert.kind == "concern" else "from"
    return f"Kith alert {alert_id} ({service}): {what} {preposition}{name} {number}.{about}{how}"


def _person(
    store: Store, message: InboundMessage, participant: Participant | None
) -> tuple[int, bool]:
    """The person a message is from, and whether they are new with this message."""
    if participant is not None and participant.person_id is not None:
        return participant.person_id, False
    found = store.find_person(message.address)
    if found is not None:
        return found, False
    return store.add_person(message.address, message.channel, message.received_at), True


_ALERT_WORDING = {
    "crisis": "crisis words",
    "person_requested": "a request for a person",
    "urgent": "an urgent referral out of hours",
    "data_request": "a request to delete their data",
    "cancellation": "an appointment the person cannot come to (or reminders stopped)",
    "change_requested": "a request for another appointment time",
    "support_may_end": "missed appointments (support may end)",
    "concern": "a volunteer's concern",
    "volunteer_unavailable": "a volunteer unavailable today",
}
