"""`kith volunteers ...` and `kith calls ...`: telephone peer support's people and slots.

Every change records who made it (`--by` or `KITH_STAFF`). A callee is added only with
consent on record and staff's risk assessment (`--consent-recorded --risk-assessed`).
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime

from bot.commands.appointments import parse_when
from bot.commands.terminal import show, table
from bot.core.deadlines import LONDON
from bot.core.ports import Store
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from bot.staff import calls as staff
from bot.staff.plain import local_iso, local_short
from conversations.definition import ServiceDefinition


def _fail(message: str) -> int:
    print(f"kith: {message}", file=sys.stderr)
    return 2


def _service(runtime: Runtime, service_id: str) -> ServiceDefinition:
    service = runtime.registry.services.get(service_id)
    if service is None:
        raise staff.CallsError(f"unknown service {service_id!r} (see `kith services list`)")
    return service


async def add_volunteer(
    settings: Settings,
    service_id: str,
    name: str,
    phone: str | None,
    telegram: str | None,
    language: str,
    list_time: str,
    by: str,
) -> int:
    """Add a volunteer on SMS or Telegram."""
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:
            service = _service(runtime, service_id)
            volunteer_id = await runtime.database.write(
                lambda store: staff.add_volunteer(
                    store, service, name, phone, telegram, language, list_time, by, now
                )
            )
        except staff.CallsError as exc:
            return _fail(str(exc))
    print(f"volunteer {volunteer_id} added")
    return 0


async def list_volunteers(settings: Settings, service_id: str | None, as_json: bool) -> int:
    """Every volunteer: name, channel, status and when their list goes."""
    async with open_runtime(settings) as runtime:
        found = await runtime.database.read(lambda store: store.list_volunteers(service_id))
    data = [
        {
            "id": v.id,
            "service": v.service_id,
            "first_name": v.first_name,
            "channel": v.address.split(":", 1)[0],
            "address": v.address,
            "language": v.language,
            "status": v.status,
            "list_at": v.list_time,
            "created_at": local_iso(v.created_at),
        }
        for v in found
    ]
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    if not data:
        print("No volunteers to show.")
        return 0
    grid = table("id", "service", "name", "channel", "status", "list at")
    for item in data:
        grid.add_row(
            *(str(item[k]) for k in ("id", "service", "first_name", "channel", "status", "list_at"))
        )
    show(grid)
    return 0


async def pause(settings: Settings, volunteer_id: int, resume: bool, by: str) -> int:
    """Pause a volunteer, or resume them."""
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:
            status = await runtime.database.write(
                lambda store: staff.pause(store, volunteer_id, resume, by, now)
            )
        except staff.CallsError as exc:
            return _fail(str(exc))
    print(f"volunteer {volunteer_id} {status}")
    return 0


async def add_callee(
    settings: Settings,
    service_id: str,
    name: str,
    phone: str | None,
    consent_recorded: bool,
    risk_assessed: bool,
    by: str,
) -> int:
    """Add a person to be called, with consent and risk assessment on record."""
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:
            service = _service(runtime, service_id)
            callee_id = await runtime.database.write(
                lambda store: staff.add_callee(
                    store, service, name, phone, consent_recorded, risk_assessed, by, now
                )
            )
        except staff.CallsError as exc:
            return _fail(str(exc))
    print(f"callee {callee_id} added")
    return 0


async def add_slot(
    settings: Settings,
    callee_id: int,
    volunteer_id: int,
    every: str,
    first: str,
    until: str | None,
    by: str,
) -> int:
    """A recurring call slot for a callee with a volunteer."""
    try:
        starts_at = parse_when(first)
        last = date.fromisoformat(until.strip()) if until else None
    except ValueError as exc:
        return _fail(str(exc) if "is not a time" in str(exc) else f"{until!r} is not a date")
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:
            slot_id = await runtime.database.write(
                lambda store: staff.add_slot(
                    store, callee_id, volunteer_id, every, starts_at, last, by, now
                )
            )
        except staff.CallsError as exc:
            return _fail(str(exc))
    print(f"call slot {slot_id} added")
    return 0


async def list_calls(
    settings: Settings,
    day: str | None,
    volunteer_id: int | None,
    service_id: str | None,
    as_json: bool,
) -> int:
    """The calls on one day (today by default), by time."""
    async with open_runtime(settings) as runtime:
        try:
            wanted = (
                date.fromisoformat(day.strip())
                if day
                else runtime.clock().astimezone(LONDON).date()
            )
        except ValueError:
            return _fail(f"{day!r} is not a date like 2026-03-10")

        def work(store: Store) -> list[dict[str, object]]:
            return staff.day_calls(store, wanted, volunteer_id, service_id)

        rows = await runtime.database.read(work)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print(f"No calls on {wanted.isoformat()}.")
        return 0
    grid = table("time", "callee", "phone", "volunteer", "status", "outcome")
    for row in rows:
        grid.add_row(
            local_short(datetime.fromisoformat(str(row["starts_at"]))),
            str(row["first_name"]),
            str(row["phone"]),
            f"{row['volunteer']} {row['volunteer_name']}",
            str(row["volunteer_status"]),
            str(row["outcome"] or "").replace("_", " "),
        )
    show(grid)
    return 0
