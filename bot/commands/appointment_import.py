"""`kith appointments import FILE.csv`: book many appointments, with a per-row report.

Columns (docs/appointments-import.md): `phone` or `referral_id`, `service`, `date`
(YYYY-MM-DD), `time` (HH:MM, London), `place`, `with` (first name). Every row is
checked on its own: a bad row is reported with its line number and why, and never
stops the good rows (each batch of good rows is booked in one transaction). A row for
a person, service and time already booked is reported as a duplicate, so importing the
same file twice books nothing twice. `--dry-run` checks every row and books none.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from bot.core.deadlines import LONDON
from bot.core.phone import read_phone
from bot.core.ports import Store
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.staff import appointments as staff
from conversations.definition import ServiceDefinition

REQUIRED = ("service", "date", "time", "place", "with")
BATCH = 200


@dataclass(frozen=True)
class Row:
    """One checked row, ready to book."""

    line: int
    service: ServiceDefinition
    phone: str | None
    referral_id: int | None
    starts_at: datetime
    place: str
    staff_first_name: str


def _check(line: int, raw: dict[str, str], services: dict[str, ServiceDefinition]) -> Row:
    """A row's values, or ValueError saying plainly what is wrong with it."""
    get = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
    missing = [name for name in REQUIRED if not get.get(name)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    service = services.get(get["service"])
    if service is None:
        raise ValueError(f"unknown service {get['service']!r}")
    phone, referral = get.get("phone") or None, get.get("referral_id") or None
    if not phone and not referral:
        raise ValueError("give a phone or a referral_id")
    if phone and read_phone(phone) is None:
        raise ValueError("the phone number is not a UK mobile or landline number")
    if referral is not None and not referral.isdigit():
        raise ValueError(f"referral_id {referral!r} is not a number")
    try:
        day = date.fromisoformat(get["date"])
    except ValueError:
        raise ValueError(f"date {get['date']!r} is not like 2026-03-30") from None
    try:
        clock = time.fromisoformat(get["time"])
    except ValueError:
        raise ValueError(f"time {get['time']!r} is not like 14:30") from None
    if len(get["date"]) != 10 or len(get["time"]) != 5:
        raise ValueError("date and time must be like 2026-03-30 and 14:30")
    if " " in get["with"]:
        raise ValueError("'with' must be a first name only")
    return Row(
        line,
        service,
        phone,
        int(referral) if referral else None,
        datetime.combine(day, clock, tzinfo=LONDON),
        get["place"],
        get["with"],
    )


def _book(store: Store, rows: list[Row], by: str, now: datetime, dry_run: bool) -> list[str]:
    """Book a batch (each row re-checked against the database); problems, one a line."""
    problems = []
    for row in rows:
        try:
            person_id, referral = staff.person_for(store, now, row.phone, row.referral_id)
            taken = store.list_appointments(
                service_id=row.service.id, person_id=person_id, statuses=("booked",)
            )
            if any(a.starts_at == row.starts_at for a in taken):
                raise staff.AppointmentError("already booked (a duplicate)")
            if not dry_run:
                staff.add(
                    store,
                    row.service,
                    person_id,
                    referral,
                    row.starts_at,
                    row.place,
                    row.staff_first_name,
                    by,
                    now,
                )
        except staff.AppointmentError as exc:
            problems.append(f"line {row.line}: {exc}")
    if dry_run:
        raise _DryRun(problems)
    return problems


class _DryRun(Exception):
    """Rolls a dry run's transaction back (a new person must not be kept), with its report."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("dry run")
        self.problems = problems


async def run_import(settings: Settings, path: Path, by: str, dry_run: bool) -> int:
    """Import the file; exit 0 when every row was good, 2 when any was reported."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            records = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        print(f"kith: cannot read {path}: {type(exc).__name__}", file=sys.stderr)
        return 2
    problems: list[str] = []
    booked = 0
    async with open_runtime(settings) as runtime:
        now = runtime.clock()
        good: list[Row] = []
        seen: set[tuple[object, ...]] = set()
        for number, raw in enumerate(records, start=2):  # line 1 is the header
            try:
                row = _check(number, raw, runtime.registry.services)
                who = read_phone(row.phone) if row.phone else row.referral_id
                key = (who, row.service.id, row.starts_at)
                if key in seen:
                    raise ValueError("already booked (a duplicate)")
                seen.add(key)
                good.append(row)
            except ValueError as exc:
                problems.append(f"line {number}: {exc}")
        with Progress(
            transient=True, console=Console(stderr=True), disable=not sys.stderr.isatty()
        ) as progress:
            task = progress.add_task("booking" if not dry_run else "checking", total=len(good))
            for start in range(0, len(good), BATCH):
                batch = good[start : start + BATCH]
                try:
                    found = await runtime.database.write(
                        lambda store, batch=batch: _book(store, batch, by, now, dry_run)  # type: ignore[misc]
                    )
                except _DryRun as run:
                    found = run.problems
                problems += found
                booked += len(batch) - len(found)
                progress.advance(task, len(batch))
    problems.sort(key=lambda p: int(p.split()[1].rstrip(":")))
    for problem in problems:
        print(problem, file=sys.stderr)
    verb = "would book" if dry_run else "booked"
    print(f"{verb} {booked} of {len(records)} rows; {len(problems)} not booked")
    return 2 if problems else 0
