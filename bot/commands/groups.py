"""`kith groups ...`: add a group, its members, list its sessions, change one session.

Times are London's clock time (`2026-03-10 10:00`) or ISO 8601 with an offset; a
session is named by its date (`2026-03-10`). Every change records who made it (`--by`
or `KITH_STAFF`).
"""

from __future__ import annotations

import json
import sys
from datetime import date

from bot.commands.appointments import parse_when
from bot.commands.terminal import show, table
from bot.core.ports import Store
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.staff import groups as staff
from bot.staff.plain import local_short


def _fail(message: str) -> int:
    print(f"kith: {message}", file=sys.stderr)
    return 2


async def add(
    settings: Settings, service_id: str, name: str, venue: str, every: str, first: str, by: str
) -> int:
    """Add a group meeting weekly, fortnightly or monthly from its first session."""
    try:
        starts_at = parse_when(first)
    except ValueError as exc:
        return _fail(str(exc))
    async with open_runtime(settings) as runtime:
        service = runtime.registry.services.get(service_id)
        if service is None:
            return _fail(f"unknown service {service_id!r} (see `kith services list`)")
        now = runtime.clock()
        try:
            group_id = await runtime.database.write(
                lambda store: staff.add_group(
                    store, service, name, venue, every, starts_at, by, now
                )
            )
        except staff.GroupError as exc:
            return _fail(str(exc))
    print(f"group {group_id} added")
    return 0


async def members(
    settings: Settings,
    group_id: int,
    action: str,
    phones: list[str],
    telegrams: list[str],
    language: str,
    reminders: bool,
    by: str,
) -> int:
    """Add or remove members (by phone or Telegram chat id), all or none."""
    who = [(p, None) for p in phones] + [(None, t) for t in telegrams]
    if not who:
        return _fail("give the member's --phone or --telegram chat id")
    async with open_runtime(settings) as runtime:
        now = runtime.clock()

        def work(store: Store) -> None:
            group = store.get_group(group_id)
            service = runtime.registry.services.get(group.service_id) if group else None
            for phone, telegram in who:
                if action == "remove":
                    staff.remove_member(store, service, group_id, phone, telegram, now, False)
                else:
                    staff.add_member(
                        store,
                        service,
                        group_id,
                        phone,
                        telegram,
                        language,
                        reminders,
                        by,
                        now,
                        replan=False,
                    )
            staff.replan_reminders(store, service, group_id, now)

        try:
            await runtime.database.write(work)
        except staff.GroupError as exc:
            return _fail(str(exc))
    done = "removed" if action == "remove" else "added"
    print(f"group {group_id}: {len(who)} member{'s' if len(who) != 1 else ''} {done}")
    return 0


async def list_members(settings: Settings, group_id: int, as_json: bool) -> int:
    """The group's members: channel, language, reminders, opted out (no numbers in JSON keys)."""
    async with open_runtime(settings) as runtime:
        group = await runtime.database.read(lambda store: store.get_group(group_id))
        if group is None:
            return _fail(f"no group {group_id}")
        rows = await runtime.database.read(lambda store: store.group_members([group_id]))
    data = [
        {
            "address": m.address,
            "language": m.language,
            "reminders": m.reminders,
            "opted_out": m.opted_out,
        }
        for m in rows
    ]
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    grid = table("address", "language", "reminders", "opted out")
    for item in data:
        grid.add_row(
            str(item["address"]),
            str(item["language"]),
            "yes" if item["reminders"] else "no",
            "yes" if item["opted_out"] else "no",
        )
    show(grid)
    return 0


async def list_groups(settings: Settings, service_id: str | None, as_json: bool) -> int:
    """Every group (of one service)."""
    async with open_runtime(settings) as runtime:

        def work(store: Store) -> list[dict[str, object]]:
            found = store.list_groups(service_id)
            counts: dict[int, int] = {}
            for member in store.group_members([g.id for g in found]):
                counts[member.group_id] = counts.get(member.group_id, 0) + 1
            return [staff.group_json(g, counts.get(g.id, 0)) for g in found]

        data = await runtime.database.read(work)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    if not data:
        print("No groups to show.")
        return 0
    grid = table("id", "service", "name", "venue", "every", "members")
    for item in data:
        grid.add_row(
            *(str(item[k]) for k in ("id", "service", "name", "venue", "every", "members"))
        )
    show(grid)
    return 0


async def list_sessions(settings: Settings, group_id: int, weeks: int, as_json: bool) -> int:
    """The group's sessions in the coming weeks, with staff changes applied."""
    if weeks < 1 or weeks > 104:
        return _fail("--weeks must be between 1 and 104")
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        try:
            found = await runtime.database.read(
                lambda store: staff.upcoming(store, group_id, now, weeks)
            )
        except staff.GroupError as exc:
            return _fail(str(exc))
    data = [staff.session_json(s) for s in found]
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    grid = table("session", "when", "venue", "status")
    for session, item in zip(found, data, strict=True):
        grid.add_row(
            str(item["session"]), local_short(session.starts_at), session.venue, str(item["status"])
        )
    show(grid)
    return 0


async def change(
    settings: Settings,
    group_id: int,
    session: str,
    cancel: bool,
    to: str | None,
    venue: str | None,
    by: str,
) -> int:
    """Cancel, move or change the venue of one session; members are told within a minute."""
    try:
        session_date = date.fromisoformat(session.strip())
    except ValueError:
        return _fail(f"{session!r} is not a session date like 2026-03-10")
    try:
        starts_at = parse_when(to) if to is not None else None
    except ValueError as exc:
        return _fail(str(exc))
    async with open_runtime(settings) as runtime:
        now = runtime.clock()

        def work(store: Store) -> staff.ChangeMade:
            group = store.get_group(group_id)
            service = runtime.registry.services.get(group.service_id) if group else None
            return staff.change_session(
                store, service, group_id, session_date, cancel, starts_at, venue, by, now
            )

        try:
            made = await runtime.database.write(work)
        except staff.GroupError as exc:
            return _fail(str(exc))
    print(
        f"change {made.change_id} recorded; {made.members_to_tell} members will be told "
        "(by the scheduler within a minute)"
    )
    return 0
