"""`kith appointments ...`: add, move, cancel, record attendance, list and import.

Times are read as London's clock time (`2026-03-30 10:00`), or ISO 8601 with an
offset. Every change records who made it (`--by` or `KITH_STAFF`).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from bot.commands.terminal import show, table
from bot.core.deadlines import LONDON
from bot.core.ports import Store
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.staff import appointments as staff
from bot.staff.plain import local_short
from conversations.definition import ServiceDefinition


def _fail(message: str) -> int:
    print(f"kith: {message}", file=sys.stderr)
    return 2


def parse_when(value: str) -> datetime:
    """`2026-03-30 10:00` (London) or ISO 8601 with an offset; ValueError said plainly."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("T", " "))
    except ValueError:
        raise ValueError(f"{value!r} is not a time like 2026-03-30 10:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment


def _service(runtime: Runtime, service_id: str) -> ServiceDefinition:
    service = runtime.registry.services.get(service_id)
    if service is None:
        raise staff.AppointmentError(f"unknown service {service_id!r} (see `kith services list`)")
    return service


def _reminder_line(change: staff.Change) -> str:
    if change.next_reminder_at is None:
        return "no reminder to send"
    return f"next reminder {local_short(change.next_reminder_at)}"


async def add(
    settings: Settings,
    service_id: str,
    phone: str | None,
    referral_id: int | None,
    at: str,
    place: str,
    staff_first_name: str,
    by: str,
) -> int:
    """Book an appointment for a person (by phone, or a referral in Kith)."""
    try:
        starts_at = parse_when(at)
    except ValueError as exc:
        return _fail(str(exc))
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:
            service = _service(runtime, service_id)

            def work(store: Store) -> staff.Change:
                person_id, referral = staff.person_for(store, now, phone, referral_id)
                return staff.add(
                    store, service, person_id, referral, starts_at, place, staff_first_name, by, now
                )

            change = await runtime.database.write(work)
        except staff.AppointmentError as exc:
            return _fail(str(exc))
    print(f"appointment {change.appointment_id} booked; {_reminder_line(change)}")
    return 0


async def move(
    settings: Settings,
    appointment_id: int,
    at: str,
    by: str,
    place: str | None,
    staff_first_name: str | None,
) -> int:
    """Move an appointment: its reminders are planned again, the person is told."""
    try:
        starts_at = parse_when(at)
    except ValueError as exc:
        return _fail(str(exc))
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:

            def work(store: Store) -> staff.Change:
                row = store.get_appointment(appointment_id)
                if row is None:
                    raise staff.AppointmentError(f"no appointment {appointment_id}")
                service = _service(runtime, row.service_id)
                return staff.move(
                    store, service, appointment_id, starts_at, by, now, place, staff_first_name
                )

            change = await runtime.database.write(work)
        except staff.AppointmentError as exc:
            return _fail(str(exc))
    print(f"appointment {appointment_id} moved; {_reminder_line(change)}")
    return 0


async def cancel(settings: Settings, appointment_id: int, by: str, note: str | None) -> int:
    """Cancel an appointment; the person is told once."""
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:
            change = await runtime.database.write(
                lambda store: staff.cancel(store, appointment_id, by, now, note)
            )
        except staff.AppointmentError as exc:
            return _fail(str(exc))
    told = "the person will be told" if change.notice_id else "the person is not told"
    print(f"appointment {appointment_id} cancelled; {told}")
    return 0


async def attend(settings: Settings, appointment_id: int, outcome: str, by: str) -> int:
    """Record attendance: attended, missed or cancelled_by_person."""
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:

            def work(store: Store) -> staff.Change:
                row = store.get_appointment(appointment_id)
                service = runtime.registry.services.get(row.service_id) if row else None
                return staff.attend(store, service, appointment_id, outcome, by, now)

            change = await runtime.database.write(work)
        except staff.AppointmentError as exc:
            return _fail(str(exc))
    print(f"appointment {appointment_id}: {outcome}")
    if change.alert_id is not None:
        print(f"alert {change.alert_id}: support_may_end (the service's attendance rule)")
    return 0


async def list_appointments(
    settings: Settings, service_id: str | None, everything: bool, as_json: bool
) -> int:
    """Upcoming booked appointments (all of them with --all), earliest first."""
    async with open_runtime(settings) as runtime:
        if service_id and service_id not in runtime.registry.services:
            return _fail(f"unknown service {service_id!r} (see `kith services list`)")
        now = runtime.clock()
        rows = await runtime.database.read(
            lambda store: store.list_appointments(
                service_id=service_id,
                since=None if everything else now,
                statuses=None if everything else ("booked",),
            )
        )
    if as_json:
        print(json.dumps([staff.appointment_json(r) for r in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("No appointments to show.")
        return 0
    grid = table("id", "service", "when", "place", "with", "phone", "status", "next reminder")
    for row in rows:
        data = staff.appointment_json(row)
        grid.add_row(
            str(row.id),
            row.service_id,
            local_short(row.starts_at),
            row.place,
            row.staff_first_name,
            data["phone"] or row.address or "-",
            row.status + (" (confirmed)" if row.confirmed_at else ""),
            local_short(row.next_reminder_at),
        )
    show(grid)
    return 0
