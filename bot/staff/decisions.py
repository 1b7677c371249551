"""Staff decisions on a referral: notes and status moves, each recording who and when.

Recording `not_accepted` tells the person why and where else to go, in their language
(seeds 000 4.13, 001 4.16), unless staff say why not. `accepted`, and `closed` after it,
open the service's outcome surveys (bot/staff/surveys.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.ports import Store
from bot.core.records import OutboundRow, Referral
from bot.core.referral import StatusMoveError, check_move
from bot.staff.surveys import open_surveys
from conversations import messages as say
from conversations.i18n import translator
from conversations.registry import Registry


class DecisionError(ValueError):
    """A decision staff cannot record as asked (unknown referral, wrong move, no reason)."""


@dataclass(frozen=True)
class Decision:
    """What a status change did."""

    referral_id: int
    old: str
    new: str
    told: int | None  # outbox id of the message to the person, if one was queued
    not_told: str | None  # why the person was not told, when they were not


def add_note(store: Store, referral_id: int, note: str, by: str, now: datetime) -> None:
    """A note in the referral's history, by `by`."""
    if store.get_referral(referral_id) is None:
        raise DecisionError(f"no referral {referral_id}")
    if not note.strip():
        raise DecisionError("the note is empty")
    store.add_note(referral_id, note.strip(), now, by)


def change_status(
    store: Store,
    registry: Registry,
    referral_id: int,
    new: str,
    *,
    by: str,
    now: datetime,
    note: str | None = None,
    reason: str | None = None,
    no_notify: str | None = None,
) -> Decision:
    """Move a referral along the workflow; on `not_accepted`, queue the person's message.

    `reason` names the definition's rule whose explanation and signposts the person is
    told (default: the refusal reasons screening gave); `no_notify` is why the person is
    not told (then nothing is sent).
    """
    row = store.get_referral(referral_id)
    if row is None:
        raise DecisionError(f"no referral {referral_id}")
    try:
        check_move(row.outcome, row.status, new, note)
    except StatusMoveError as exc:
        raise DecisionError(str(exc)) from None
    if no_notify is not None and not no_notify.strip():
        raise DecisionError("--no-notify needs the reason the person is not told")
    told: int | None = None
    not_told: str | None = None
    if new == "not_accepted":
        if no_notify:
            not_told = no_notify.strip()
        else:
            told, not_told = _tell_refusal(store, registry, row, reason, now)
    history_note = note.strip() if note else None
    if not_told and no_notify:
        history_note = "; ".join(filter(None, [history_note, f"person not told: {not_told}"]))
    store.add_history(referral_id, new, history_note, now, by)
    # The start (accepted) and end (accepted -> closed) of support open its surveys.
    open_surveys(store, registry, row, row.status, new, now, by)
    return Decision(referral_id, row.status, new, told, not_told)


def _tell_refusal(
    store: Store, registry: Registry, row: Referral, reason: str | None, now: datetime
) -> tuple[int | None, str | None]:
    service = registry.services.get(row.service_id)
    if service is None:
        raise DecisionError(
            f"service {row.service_id!r} is not loaded; give --no-notify with the reason"
        )
    by_reason = {rule.reason: rule for rule in service.rules}
    if reason is not None:
        if reason not in by_reason:
            raise DecisionError(f"unknown reason {reason!r}; one of {', '.join(by_reason)}")
        rules = [by_reason[reason]]
    else:
        rules = [by_reason[r] for r in row.reasons if r in by_reason]
        rules = [r for r in rules if r.outcome == "not_accepted"] or rules
    if not rules:
        raise DecisionError(
            "say what the person is told: --reason CODE (one of "
            f"{', '.join(by_reason)}), or --no-notify REASON"
        )
    participant = store.load_participant(row.address)
    if participant is not None and participant.opted_out:
        return None, "opted out of messages"
    t = translator(row.language)
    places: list[str] = []
    for rule in rules:
        for key in rule.signpost:
            line = say.contact_line(t, service.contacts[key])
            if line not in places:
                places.append(line)
    body = say.decision_not_accepted(t, service, [t.gettext(r.explain) for r in rules], places)
    (outbox_id,) = store.queue(
        [
            OutboundRow(
                channel=row.channel,
                address=row.address,
                body=body,
                kind="decision",
                priority="normal",
                service_id=service.id,
                not_before=now,
                meta={"referral_id": row.id},
                language=row.language,
            )
        ],
        now,
    )
    return outbox_id, None
