"""Session reminders through the CLI with KITH_CLOCK (issue 13, "Done when").

Expected moments come from the issue and INTERFACES: 48 h and 2 h before by default;
whole days keep the time of day on London's clocks across the 2026 changes (29 March,
25 October); a moment in quiet hours (21:00-08:00) moves earlier to the last allowed
minute; a reminder is worth sending until the next one's moment and never after the
appointment (`not_after`).
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.reminders import plan_reminders
from tests.conftest import Kith

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
SERVICE = "thurrock-floating-support"
PHONE = "07700900123"


def add(kith: Kith, at: str, clock: str, **extra: str) -> str:
    args = ["appointments", "add", "--service", SERVICE, "--phone", PHONE, "--at", at]
    args += ["--place", extra.get("place", "Grays Library"), "--with", extra.get("name", "Sam")]
    return kith.run(*args, "--by", "Asha", env={"KITH_CLOCK": clock}).stdout


def tick(kith: Kith, clock: str) -> dict[str, int]:
    out = kith.run("scheduler", "tick", "--json", env={"KITH_CLOCK": clock}).stdout
    return dict(json.loads(out))


def outbox(kith: Kith, kind: str | None = None) -> list[dict[str, Any]]:
    rows = json.loads(kith.run("outbox", "list", "--json").stdout)
    return [r for r in rows if kind is None or r["kind"] == kind]


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(LONDON)


# Planning (the rule itself), across both clock changes and quiet hours


def test_whole_day_offsets_keep_the_time_of_day_across_both_2026_clock_changes() -> None:
    spring = datetime(2026, 3, 30, 10, 0, tzinfo=LONDON)  # Monday after 29 March
    first, second = plan_reminders(spring)
    assert first.moment == datetime(2026, 3, 28, 10, 0, tzinfo=UTC)  # Sat 10:00 GMT
    assert second.moment == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Mon 08:00 BST
    autumn = datetime(2026, 10, 26, 10, 0, tzinfo=LONDON)  # Monday after 25 October
    first, second = plan_reminders(autumn)
    assert first.moment == datetime(2026, 10, 24, 9, 0, tzinfo=UTC)  # Sat 10:00 BST
    assert second.moment == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # Mon 08:00 GMT
    # Each is worth sending until the next, the last until the appointment.
    assert first.not_after == second.moment
    assert second.not_after == autumn


def test_a_reminder_in_quiet_hours_moves_to_the_last_allowed_minute_before() -> None:
    nine = datetime(2026, 5, 12, 9, 0, tzinfo=LONDON)  # 2 h before is 07:00: quiet
    first, second = plan_reminders(nine)
    assert first.moment == datetime(2026, 5, 10, 9, 0, tzinfo=LONDON)
    assert second.moment == datetime(2026, 5, 11, 20, 59, tzinfo=LONDON)
    # Quiet hours of nearly a whole day (10:00-09:00): 07:30 moves to 09:59 the day
    # before, the last allowed minute (less than a day early, so it is kept).
    long_quiet = (time(10, 0), time(9, 0))
    planned = plan_reminders(datetime(2026, 5, 12, 9, 30, tzinfo=LONDON), (2,), long_quiet)
    assert [p.moment for p in planned] == [datetime(2026, 5, 11, 9, 59, tzinfo=LONDON)]


# Through the CLI


def test_reminders_go_at_their_moments_across_the_spring_clock_change(kith_sqlite: Kith) -> None:
    out = add(kith_sqlite, "2026-03-30 10:00", "2026-03-25T12:00:00+00:00")
    assert "next reminder Sat 28 Mar 2026 10am" in out
    assert tick(kith_sqlite, "2026-03-28T09:59:00+00:00")["reminders"] == 0
    assert tick(kith_sqlite, "2026-03-28T10:00:05+00:00")["reminders"] == 1
    assert tick(kith_sqlite, "2026-03-28T10:05:00+00:00")["reminders"] == 0  # once only
    assert tick(kith_sqlite, "2026-03-30T07:00:01+00:00")["reminders"] == 1
    first, second = outbox(kith_sqlite, "reminder")
    assert local(first["not_before"]) == datetime(2026, 3, 28, 10, 0, tzinfo=LONDON)
    assert local(second["not_before"]) == datetime(2026, 3, 30, 8, 0, tzinfo=LONDON)
    assert local(second["not_after"]) == datetime(2026, 3, 30, 10, 0, tzinfo=LONDON)
    assert (first["priority"], first["quiet_exempt"]) == ("normal", False)
    # Discreet: time, place, first name; nothing about the service or mental health.
    text = first["text"]
    assert "Monday 30 March" in text and "10am" in text
    assert "Grays Library" in text and "Sam" in text
    assert "Thurrock" not in text and "mental" not in text.lower()


def test_autumn_clock_change_and_a_quiet_hours_reminder(kith_sqlite: Kith) -> None:
    add(kith_sqlite, "2026-10-26 09:00", "2026-10-20T12:00:00+00:00")
    assert tick(kith_sqlite, "2026-10-24T08:00:01+00:00")["reminders"] == 1  # Sat 09:00 BST
    # 2 h before is 07:00 GMT, in quiet hours: planned at 20:59 on Sunday instead.
    assert tick(kith_sqlite, "2026-10-25T20:58:00+00:00")["reminders"] == 0
    assert tick(kith_sqlite, "2026-10-25T20:59:01+00:00")["reminders"] == 1
    first, second = outbox(kith_sqlite, "reminder")
    assert local(first["not_before"]) == datetime(2026, 10, 24, 9, 0, tzinfo=LONDON)
    assert local(second["not_before"]) == datetime(2026, 10, 25, 20, 59, tzinfo=LONDON)


def test_moving_moving_back_and_cancelling(kith_sqlite: Kith) -> None:
    add(kith_sqlite, "2026-06-10 14:00", "2026-06-01T09:00:00+00:00")
    assert tick(kith_sqlite, "2026-06-08T13:00:01+00:00")["reminders"] == 1
    moved = kith_sqlite.run(
        "appointments",
        "move",
        "1",
        "--at",
        "2026-06-12 11:00",
        "--by",
        "Asha",
        env={"KITH_CLOCK": "2026-06-08T14:00:00+00:00"},
    ).stdout
    assert "next reminder Wed 10 Jun 2026 11am" in moved
    reminders = outbox(kith_sqlite, "reminder")
    # The reminder for the old time had not been sent: it never will be.
    assert [(r["status"], r["error"]) for r in reminders] == [("cancelled", "moved")]
    notices = outbox(kith_sqlite, "appointment")
    assert len(notices) == 1 and "Friday 12 June" in notices[0]["text"]
    kith_sqlite.run(
        "appointments",
        "move",
        "1",
        "--at",
        "2026-06-10 14:00",
        "--by",
        "Asha",
        env={"KITH_CLOCK": "2026-06-08T15:00:00+00:00"},
    )
    # Back at the first time: its 48 h moment passed while it was elsewhere, so the
    # next reminder is the 2 h one (a new revision: a new key, queued once).
    assert tick(kith_sqlite, "2026-06-08T15:00:05+00:00")["reminders"] == 1
    assert tick(kith_sqlite, "2026-06-10T12:00:01+00:00")["reminders"] == 1
    queued = [r for r in outbox(kith_sqlite, "reminder") if r["status"] == "queued"]
    assert len(queued) == 2
    assert all("Wednesday 10 June" in r["text"] and "2pm" in r["text"] for r in queued)
    cancel = kith_sqlite.run(
        "appointments",
        "cancel",
        "1",
        "--by",
        "Asha",
        env={"KITH_CLOCK": "2026-06-10T12:30:00+00:00"},
    ).stdout
    assert "the person will be told" in cancel
    assert all(r["status"] == "cancelled" for r in outbox(kith_sqlite, "reminder"))
    notices = outbox(kith_sqlite, "appointment")
    assert len(notices) == 3 and "will not go ahead" in notices[-1]["text"]
    # Within 12 hours of the session: sent at once, night or day.
    assert notices[-1]["quiet_exempt"] is True
    again = kith_sqlite.run(
        "appointments",
        "cancel",
        "1",
        "--by",
        "Asha",
        check=False,
        env={"KITH_CLOCK": "2026-06-10T12:31:00+00:00"},
    )
    assert again.returncode == 2 and "cancelled, not booked" in again.stderr
    assert len(outbox(kith_sqlite, "appointment")) == 3  # told once
    assert tick(kith_sqlite, "2026-06-10T12:40:00+00:00")["reminders"] == 0


def test_downtime_over_a_reminders_moment_means_it_is_never_sent(kith_sqlite: Kith) -> None:
    add(kith_sqlite, "2026-07-15 15:00", "2026-07-01T09:00:00+00:00")
    # Down from before the 48 h moment until after the 2 h one: only the 2 h goes.
    assert tick(kith_sqlite, "2026-07-15T12:30:00+00:00")["reminders"] == 1
    (only,) = outbox(kith_sqlite, "reminder")
    assert local(only["not_before"]) == datetime(2026, 7, 15, 13, 0, tzinfo=LONDON)
    add(kith_sqlite, "2026-07-20 15:00", "2026-07-01T09:00:00+00:00", name="Ali")
    # Down over the whole of it: the appointment has passed; nothing is ever queued.
    assert tick(kith_sqlite, "2026-07-20T15:00:01+00:00")["reminders"] == 0
    assert len(outbox(kith_sqlite, "reminder")) == 1
    listed = json.loads(kith_sqlite.run("appointments", "list", "--all", "--json").stdout)
    assert [a["next_reminder_at"] for a in listed] == [None, None]


def test_a_restart_between_planning_and_sending_loses_nothing(kith_sqlite: Kith) -> None:
    # Planned by one process, queued by a second, found by a third: all in the rows.
    add(kith_sqlite, "2026-09-09 10:00", "2026-09-01T09:00:00+00:00")
    listed = json.loads(
        kith_sqlite.run(
            "appointments", "list", "--json", env={"KITH_CLOCK": "2026-09-01T09:00:00+00:00"}
        ).stdout
    )
    assert local(listed[0]["next_reminder_at"]) == datetime(2026, 9, 7, 10, 0, tzinfo=LONDON)
    assert tick(kith_sqlite, "2026-09-07T09:00:30+00:00")["reminders"] == 1
    (queued,) = outbox(kith_sqlite, "reminder")
    assert queued["status"] == "queued"
    assert tick(kith_sqlite, "2026-09-07T09:01:00+00:00")["reminders"] == 0


def test_bad_input_is_a_clear_error(kith_sqlite: Kith) -> None:
    clock = {"KITH_CLOCK": "2026-09-01T09:00:00+00:00"}
    cases = [
        (["--service", "nope", "--phone", PHONE, "--at", "2026-09-09 10:00"], "unknown service"),
        (["--service", SERVICE, "--phone", "12", "--at", "2026-09-09 10:00"], "phone number"),
        (["--service", SERVICE, "--phone", PHONE, "--at", "next tuesday"], "not a time"),
    ]
    for args, said in cases:
        result = kith_sqlite.run(
            "appointments",
            "add",
            *args,
            "--place",
            "Hub",
            "--with",
            "Sam",
            "--by",
            "A",
            check=False,
            env=clock,
        )
        assert result.returncode == 2 and said in result.stderr, result.stderr
    nobody = kith_sqlite.run(
        "appointments",
        "add",
        "--service",
        SERVICE,
        "--phone",
        PHONE,
        "--at",
        "2026-09-09 10:00",
        "--place",
        "Hub",
        "--with",
        "Sam",
        check=False,
        env=clock,
    )
    assert nobody.returncode == 2 and "--by" in nobody.stderr
