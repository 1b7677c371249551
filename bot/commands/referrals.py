"""`kith referrals ...`: the staff queue, one referral, notes, status moves, export."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime, time

from bot.commands.terminal import show, table
from bot.core.deadlines import LONDON
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.staff import decisions
from bot.staff.export import export_rows
from bot.staff.plain import local_short
from bot.staff.referrals import queue, referral_json
from conversations.answers import describe


def _fail(message: str) -> int:
    print(f"kith: {message}", file=sys.stderr)
    return 2


async def list_referrals(
    settings: Settings,
    *,
    view: str,
    service: str | None,
    search: str | None,
    limit: int | None,
    as_json: bool,
) -> int:
    """The queue: open referrals by default, urgent and overdue first, then by due."""
    if limit is not None and limit < 1:
        return _fail("--limit must be 1 or more")
    async with open_runtime(settings) as runtime:
        if service and service not in runtime.registry.services:
            return _fail(f"unknown service {service!r} (see `kith services list`)")
        now = runtime.clock()
        entries = await runtime.database.read(
            lambda store: queue(store, now, view, service, search, limit)
        )
    if as_json:
        print(json.dumps([e.as_json() for e in entries], ensure_ascii=False, indent=1))
        return 0
    if not entries:
        print("No referrals to show." if view != "open" else "No open referrals.")
        return 0
    grid = table("id", "service", "name", "phone", "status", "outcome", "due", "flags")
    for e in entries:
        grid.add_row(
            str(e.row.id),
            e.row.service_id,
            e.first_name or "-",
            e.phone or e.row.channel,
            e.row.status,
            e.row.outcome,
            e.due,
            ", ".join(e.flags),
        )
    show(grid)
    return 0


async def show_referral(settings: Settings, referral_id: int, as_json: bool) -> int:
    """One referral with its answers and history (who changed what, when)."""
    async with open_runtime(settings) as runtime:
        row, history = await runtime.database.read(
            lambda store: (store.get_referral(referral_id), store.referral_history(referral_id))
        )
    if row is None:
        return _fail(f"no referral {referral_id}")
    data = referral_json(row)
    data["history"] = [
        {"status": h.status, "note": h.note, "at": local_short(h.changed_at), "by": h.changed_by}
        for h in history
    ]
    if as_json:
        for entry, h in zip(data["history"], history, strict=True):
            entry["at"] = h.changed_at.astimezone(LONDON).isoformat()
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    for key in ("id", "service", "phone", "channel", "language", "referrer", "outcome"):
        print(f"{key:>18}: {describe(data[key])}")
    for key in ("reasons", "priority", "urgent", "status"):
        print(f"{key:>18}: {describe(data[key])}")
    for key, moment in (
        ("created_at", row.created_at),
        ("first_contact_due", row.first_contact_due),
        ("first_meeting_due", row.first_meeting_due),
    ):
        print(f"{key:>18}: {local_short(moment)}")
    print("           answers:")
    for name, value in data["answers"].items():
        print(f"{name:>30}: {describe(value)}")
    print("           history:")
    for entry in data["history"]:
        print(f"    {entry['at']}  {entry['status']:<15} {entry['by']:<12} {entry['note'] or ''}")
    return 0


async def set_status(
    settings: Settings,
    referral_id: int,
    status: str,
    *,
    by: str,
    note: str | None,
    reason: str | None,
    no_notify: str | None,
) -> int:
    """Move a referral along the workflow graph (INTERFACES "Data and states")."""
    async with open_runtime(settings) as runtime:
        try:
            decision = await runtime.database.write(
                lambda store: decisions.change_status(
                    store,
                    runtime.registry,
                    referral_id,
                    status,
                    by=by,
                    now=runtime.clock(),
                    note=note,
                    reason=reason,
                    no_notify=no_notify,
                )
            )
        except decisions.DecisionError as exc:
            return _fail(str(exc))
    print(f"referral {referral_id}: {decision.old} → {decision.new}")
    if decision.told:
        print(f"the person will be told why and where else to go (message {decision.told})")
    elif decision.not_told:
        print(f"the person is not told: {decision.not_told}")
    return 0


async def add_note(settings: Settings, referral_id: int, note: str, by: str) -> int:
    """A note in the referral's history."""
    async with open_runtime(settings) as runtime:
        try:
            await runtime.database.write(
                lambda store: decisions.add_note(store, referral_id, note, by, runtime.clock())
            )
        except decisions.DecisionError as exc:
            return _fail(str(exc))
    print(f"referral {referral_id}: note added")
    return 0


def _day(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(0), LONDON)
    except ValueError:
        raise ValueError(f"{name} must be a date like 2026-12-01") from None


async def export_referrals(
    settings: Settings, service: str | None, since: str | None, until: str | None
) -> int:
    """CSV on stdout, UTF-8 with a byte-order mark (so spreadsheets show Urdu correctly).

    `--since` and `--until` are local dates; `--until` includes that whole day.
    """
    try:
        start = _day(since, "--since")
        end = _day(until, "--until")
    except ValueError as exc:
        return _fail(str(exc))
    if end is not None:
        end = datetime.combine(end.date().fromordinal(end.date().toordinal() + 1), time(0), LONDON)
    async with open_runtime(settings) as runtime:
        if service and service not in runtime.registry.services:
            return _fail(f"unknown service {service!r} (see `kith services list`)")
        rows = await runtime.database.read(
            lambda store: list(export_rows(store, runtime.registry, service, start, end))
        )
    sys.stdout.write("\ufeff")
    csv.writer(sys.stdout).writerows(rows)
    return 0
