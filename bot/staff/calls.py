"""Staff use cases for telephone peer support: volunteers, callees and call slots.

Derby's service (seed 002, 3.7.1.2) makes "appropriately risk-assessed and scheduled
outgoing calls only", to people referred with their consent: Kith refuses a callee
without consent on record or without staff's risk assessment, and refuses a slot with
a paused volunteer (staff reassign). Each use case is a unit of work on a `Store`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.core.calls import (
    ACTIVE,
    PAUSED,
    SLOT_RECURRENCES,
    Call,
    CallSlot,
    calls_on,
    next_call,
    next_list_moment,
    prompt_moment,
)
from bot.core.deadlines import LONDON
from bot.core.ports import Store
from bot.staff.groups import GroupError, address_of
from bot.staff.plain import local_iso
from conversations.definition import ServiceDefinition
from conversations.i18n import available_languages

_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class CallsError(ValueError):
    """A change that cannot be made (no consent, unknown id, bad value): said plainly."""


def _first_name(name: str) -> str:
    name = name.strip()
    if not name or " " in name or len(name) > 40:
        raise CallsError("give a first name only (--name)")
    return name


def _address(phone: str | None, telegram: str | None) -> tuple[str, str]:
    try:
        return address_of(phone, telegram)
    except GroupError as exc:
        raise CallsError(str(exc)) from None


def add_volunteer(
    store: Store,
    service: ServiceDefinition,
    name: str,
    phone: str | None,
    telegram: str | None,
    language: str,
    list_time: str,
    by: str,
    now: datetime,
) -> int:
    """Add a volunteer reached by SMS or Telegram; their call list goes at `list_time`."""
    first_name = _first_name(name)
    if language not in available_languages():
        raise CallsError(f"--lang must be one of {', '.join(available_languages())}")
    if not _CLOCK.fullmatch(list_time.strip()):
        raise CallsError("--list-at is a time of day like 08:30")
    _, address = _address(phone, telegram)
    if store.find_volunteer(service.id, address) is not None:
        raise CallsError("that address is a volunteer of this service already")
    list_time = list_time.strip()
    first_list = next_list_moment(list_time, now)
    return store.add_volunteer(
        service.id, first_name, address, language, list_time, now, by, first_list
    )


def pause(store: Store, volunteer_id: int, resume: bool, by: str, now: datetime) -> str:
    """Pause a volunteer (no call lists, no new slots) or resume them; the new status."""
    if store.get_volunteer(volunteer_id) is None:
        raise CallsError(f"no volunteer {volunteer_id}")
    status = ACTIVE if resume else PAUSED
    if not store.set_volunteer_status(volunteer_id, status, now, by):
        raise CallsError(f"volunteer {volunteer_id} is {status} already")
    return status


def add_callee(
    store: Store,
    service: ServiceDefinition,
    name: str,
    phone: str | None,
    consent_recorded: bool,
    risk_assessed: bool,
    by: str,
    now: datetime,
) -> int:
    """Add a person volunteers will call: only with consent on record and risk-assessed."""
    if not consent_recorded:
        raise CallsError(
            "no callee without their consent on record: record it, then add --consent-recorded"
        )
    if not risk_assessed:
        raise CallsError(
            "no callee before staff have risk-assessed them (scheduled, risk-assessed "
            "outgoing calls only): add --risk-assessed once it is done"
        )
    first_name = _first_name(name)
    if not phone:
        raise CallsError("give the number the volunteer will call (--phone)")
    channel, address = _address(phone, None)
    if store.find_callee(service.id, address) is not None:
        raise CallsError("that number is a callee of this service already")
    found = store.find_person(address)
    person_id = found if found is not None else store.add_person(address, channel, now)
    return store.add_callee(service.id, person_id, first_name, address, now, by, now, by)


def add_slot(
    store: Store,
    callee_id: int,
    volunteer_id: int,
    recurrence: str,
    first_starts_at: datetime,
    until: date | None,
    by: str,
    now: datetime,
) -> int:
    """A volunteer calls a callee at this time on the rule's days (until a date, if given)."""
    callee = store.get_callee(callee_id)
    if callee is None:
        raise CallsError(f"no callee {callee_id}")
    volunteer = store.get_volunteer(volunteer_id)
    if volunteer is None:
        raise CallsError(f"no volunteer {volunteer_id}")
    if volunteer.service_id != callee.service_id:
        raise CallsError(f"volunteer {volunteer_id} is not with {callee.service_id}")
    if volunteer.status != ACTIVE:
        raise CallsError(f"volunteer {volunteer_id} is paused: choose another or resume them")
    if recurrence not in SLOT_RECURRENCES:
        raise CallsError(f"--every must be one of {', '.join(SLOT_RECURRENCES)}")
    if first_starts_at <= now:
        raise CallsError("the first call's time has passed already")
    if until is not None and until < first_starts_at.date():
        raise CallsError("--until is before the first call")
    slot = CallSlot(0, callee_id, volunteer_id, recurrence, first_starts_at, until)
    first_call = next_call(slot, now, inclusive=False)
    prompt = prompt_moment(first_call) if first_call is not None else None
    return store.add_call_slot(
        callee_id, volunteer_id, recurrence, first_starts_at, until, now, by, prompt
    )


def day_calls(
    store: Store, day: date, volunteer_id: int | None, service_id: str | None
) -> list[dict[str, Any]]:
    """The calls on one day, by time: when, callee's first name and number, volunteer,
    and the outcome the volunteer gave (None until they answer, or before the call)."""
    slots: list[CallSlot] = store.call_slots(volunteer_id=volunteer_id)
    calls: list[Call] = calls_on(slots, day)
    start = datetime.combine(day, time(0), tzinfo=LONDON)
    made = store.calls_between(start, start + timedelta(days=1, hours=1))
    outcomes = {(c.slot_id, c.starts_at): c.outcome for c in made}
    rows = []
    for call in calls:
        callee = store.get_callee(call.callee_id)
        volunteer = store.get_volunteer(call.volunteer_id)
        if callee is None or volunteer is None:
            continue
        if service_id is not None and callee.service_id != service_id:
            continue
        rows.append(
            {
                "slot": call.slot_id,
                "starts_at": local_iso(call.starts_at),
                "service": callee.service_id,
                "callee": callee.id,
                "first_name": callee.first_name,
                "phone": callee.address.removeprefix("sms:"),
                "volunteer": volunteer.id,
                "volunteer_name": volunteer.first_name,
                "volunteer_status": volunteer.status,
                "outcome": outcomes.get((call.slot_id, call.starts_at)),
            }
        )
    return rows
