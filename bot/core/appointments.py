"""Appointments as plain records, their states, and who may change them how."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

BOOKED = "booked"
CANCELLED = "cancelled"  # by staff, or by the person replying to a reminder
ATTENDED = "attended"
MISSED = "missed"
CANCELLED_BY_PERSON = "cancelled_by_person"
# What staff record after the time (`kith appointments attend ID OUTCOME`).
ATTENDANCE = (ATTENDED, MISSED, CANCELLED_BY_PERSON)
STATUSES = (BOOKED, CANCELLED, *ATTENDANCE)


@dataclass(frozen=True)
class AppointmentDraft:
    """An appointment staff are adding: person, service, time, place, whom to meet."""

    person_id: int
    service_id: str
    starts_at: datetime
    place: str
    staff_first_name: str
    referral_id: int | None = None


@dataclass(frozen=True)
class Appointment:
    """A stored appointment. `revision` grows with every move; reminders carry it."""

    id: int
    person_id: int
    service_id: str
    starts_at: datetime
    place: str
    staff_first_name: str
    referral_id: int | None
    status: str
    revision: int
    next_reminder_at: datetime | None
    confirmed_at: datetime | None
    created_at: datetime
    address: str | None = None  # the person's address reminders go to (SMS first)
    language: str = "en"


@dataclass(frozen=True)
class Prompt:
    """An open "awaiting reply" record of an address: what a bare reply would answer."""

    id: int
    address: str
    kind: str  # reminder | which
    appointment_id: int | None
    created_at: datetime
    expires_at: datetime
    data: dict[str, object] | None = None
