"""Staff use cases for appointments: add, move, cancel, record attendance, list.

Each is a unit of work on a `Store`. Changes re-check the appointment's revision and
status as they write (a reply or another staff member may have changed it since it
was read), record who made them, and put the outbox right: moving cancels the
reminders still queued and plans new ones (a new revision, so new idempotency keys);
cancelling tells the person once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.appointments import ATTENDANCE, BOOKED, CANCELLED, MISSED, Appointment
from bot.core.appointments import AppointmentDraft as Draft
from bot.core.phone import read_phone
from bot.core.ports import Store
from bot.core.records import OutboundRow
from bot.core.reminders import key_prefix, next_reminder, plan_reminders
from bot.staff.plain import local_iso
from bot.staff.referrals import phone_of
from conversations import appointment_texts as say
from conversations.definition import ServiceDefinition
from conversations.i18n import translator

# A notice of a change to a session this close goes out at night too (INTERFACES).
SOON = timedelta(hours=12)


class AppointmentError(ValueError):
    """A change that cannot be made (unknown id, wrong state, bad value): said plainly."""


@dataclass(frozen=True)
class Change:
    """What a staff change did, to report on one line."""

    appointment_id: int
    next_reminder_at: datetime | None = None
    notice_id: int | None = None
    alert_id: int | None = None


def plan_next(service: ServiceDefinition, starts_at: datetime, now: datetime) -> datetime | None:
    """The moment of the first reminder still worth sending for an appointment at `starts_at`."""
    planned = plan_reminders(starts_at, service.reminder_offsets_hours, service.quiet_hours)
    return next_reminder(planned, now)


def person_for(
    store: Store, now: datetime, phone: str | None = None, referral_id: int | None = None
) -> tuple[int, int | None]:
    """The person an appointment is for: from a phone number or a referral in Kith."""
    if referral_id is not None:
        referral = store.get_referral(referral_id)
        if referral is None:
            raise AppointmentError(f"no referral {referral_id}")
        number = phone_of(referral.address, referral.answers)
        if number is None:
            if referral.person_id is None:
                raise AppointmentError(f"referral {referral_id} has no one to remind")
            return referral.person_id, referral_id
        phone = number
    if not phone:
        raise AppointmentError("give the person's --phone or a --referral")
    e164 = read_phone(phone)
    if e164 is None:
        raise AppointmentError("the phone number is not a UK mobile or landline number")
    address = f"sms:{e164}"
    found = store.find_person(address)
    person_id = found if found is not None else store.add_person(address, "sms", now)
    return person_id, referral_id


def add(
    store: Store,
    service: ServiceDefinition,
    person_id: int,
    referral_id: int | None,
    starts_at: datetime,
    place: str,
    staff_first_name: str,
    by: str,
    now: datetime,
) -> Change:
    """Book an appointment; its reminders are planned from the service's offsets."""
    place, staff_first_name = place.strip(), staff_first_name.strip()
    if not place:
        raise AppointmentError("say where the appointment is (--place)")
    if not staff_first_name or " " in staff_first_name:
        raise AppointmentError("give only the first name of whom they will meet (--with)")
    draft = Draft(person_id, service.id, starts_at, place, staff_first_name, referral_id)
    upcoming = plan_next(service, starts_at, now)
    return Change(store.add_appointment(draft, upcoming, now, by), upcoming)


def _booked(store: Store, appointment_id: int) -> Appointment:
    row = store.get_appointment(appointment_id)
    if row is None:
        raise AppointmentError(f"no appointment {appointment_id}")
    if row.status != BOOKED:
        raise AppointmentError(f"appointment {appointment_id} is {row.status}, not booked")
    return row


def _notice(
    row: Appointment,
    body: str,
    kind: str,
    key: str,
    now: datetime,
    starts_at: datetime,
    soonest: datetime | None = None,
) -> OutboundRow | None:
    """A notice of a change; quiet-exempt when a session it concerns is within 12 hours."""
    if row.address is None:
        return None
    soon = (soonest or starts_at) - now <= SOON
    return OutboundRow(
        row.address.split(":", 1)[0],
        row.address,
        body,
        kind,
        "urgent" if soon else "normal",
        row.service_id,
        now,
        quiet_exempt=soon,
        not_after=starts_at,
        idempotency_key=key,
        person_id=row.person_id,
        language=row.language,
    )


def move(
    store: Store,
    service: ServiceDefinition,
    appointment_id: int,
    starts_at: datetime,
    by: str,
    now: datetime,
    place: str | None = None,
    staff_first_name: str | None = None,
) -> Change:
    """Move a booked appointment: pending reminders cancelled, new ones planned, person told."""
    row = _booked(store, appointment_id)
    values: dict[str, Any] = {
        "starts_at": starts_at,
        "revision": row.revision + 1,
        "next_reminder_at": plan_next(service, starts_at, now),
        "confirmed_at": None,
    }
    if place is not None and place.strip():
        values["place"] = place.strip()
    if staff_first_name is not None and staff_first_name.strip():
        values["staff_first_name"] = staff_first_name.strip()
    if not store.change_appointment(appointment_id, row.revision, BOOKED, **values):
        raise AppointmentError(f"appointment {appointment_id} changed meanwhile: try again")
    store.cancel_queued(key_prefix(appointment_id), "moved")
    store.close_prompts(appointment_id=appointment_id)
    detail = f"{local_iso(row.starts_at)} -> {local_iso(starts_at)}"
    store.add_appointment_history(appointment_id, "moved", detail, now, by)
    notice_id = None
    if starts_at > now:
        t = translator(row.language)
        body = say.moved(
            t,
            starts_at,
            values.get("place", row.place),
            values.get("staff_first_name", row.staff_first_name),
        )
        key = f"moved:{appointment_id}:{row.revision + 1}"
        notice = _notice(
            row, body, "appointment", key, now, starts_at, min(starts_at, row.starts_at)
        )
        if notice is not None:
            ids = store.queue([notice], now)
            notice_id = ids[0] if ids else None
    return Change(appointment_id, values["next_reminder_at"], notice_id)


def cancel(store: Store, appointment_id: int, by: str, now: datetime, note: str | None) -> Change:
    """Cancel a booked appointment: no more reminders; the person is told, once."""
    row = _booked(store, appointment_id)
    if not store.change_appointment(
        appointment_id, row.revision, BOOKED, status=CANCELLED, next_reminder_at=None
    ):
        raise AppointmentError(f"appointment {appointment_id} changed meanwhile: try again")
    store.cancel_queued(key_prefix(appointment_id), "appointment cancelled")
    store.close_prompts(appointment_id=appointment_id)
    store.add_appointment_history(appointment_id, "cancelled", note, now, by)
    notice_id = None
    if row.starts_at > now:
        body = say.called_off(translator(row.language), row.starts_at)
        notice = _notice(
            row, body, "appointment", f"cancelled:{appointment_id}", now, row.starts_at
        )
        if notice is not None:
            ids = store.queue([notice], now)
            notice_id = ids[0] if ids else None
    return Change(appointment_id, None, notice_id)


def attend(
    store: Store,
    service: ServiceDefinition | None,
    appointment_id: int,
    outcome: str,
    by: str,
    now: datetime,
) -> Change:
    """Record attendance; the service's rule may raise `support_may_end` (004 5.4.1)."""
    if outcome not in ATTENDANCE:
        raise AppointmentError(f"outcome must be one of {', '.join(ATTENDANCE)}")
    row = store.get_appointment(appointment_id)
    if row is None:
        raise AppointmentError(f"no appointment {appointment_id}")
    if row.status == CANCELLED:
        raise AppointmentError(f"appointment {appointment_id} was cancelled")
    if row.status == outcome:
        return Change(appointment_id)
    if row.starts_at > now:
        raise AppointmentError(f"appointment {appointment_id} has not happened yet")
    if not store.change_appointment(
        appointment_id, row.revision, row.status, status=outcome, next_reminder_at=None
    ):
        raise AppointmentError(f"appointment {appointment_id} changed meanwhile: try again")
    store.cancel_queued(key_prefix(appointment_id), "attendance recorded")
    store.close_prompts(appointment_id=appointment_id)
    store.add_appointment_history(appointment_id, outcome, None, now, by)
    alert_id = None
    if outcome == MISSED and service is not None and service.missed_limit is not None:
        missed = store.count_attendance(row.person_id, row.service_id, MISSED)
        if missed == service.missed_limit:
            addresses = store.person_addresses(row.person_id)
            alert_id = store.add_alert(
                "support_may_end",
                row.service_id,
                row.address or (addresses[0] if addresses else ""),
                row.referral_id,
                now,
                words=None,
                person_id=row.person_id,
            )
    return Change(appointment_id, alert_id=alert_id)


def appointment_json(row: Appointment) -> dict[str, Any]:
    """An appointment as staff see it (times ISO 8601 with London's offset)."""
    return {
        "id": row.id,
        "service": row.service_id,
        "person_id": row.person_id,
        "referral_id": row.referral_id,
        "phone": row.address[4:] if row.address and row.address.startswith("sms:") else None,
        "address": row.address,
        "starts_at": local_iso(row.starts_at),
        "place": row.place,
        "with": row.staff_first_name,
        "status": row.status,
        "confirmed": row.confirmed_at is not None,
        "next_reminder_at": local_iso(row.next_reminder_at),
        "revision": row.revision,
    }
