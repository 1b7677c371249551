"""Group session changes and session reminders through the CLI with KITH_CLOCK (issue 14.1).

Expected outcomes come from the issue and INTERFACES: every member not opted out gets
one notice in their language within a minute; a notice of a session less than 12
hours away is `quiet_exempt` (and urgent), any other is held through quiet hours by
the dispatcher; a group's notices never name its purpose; members who asked for
session reminders get them (48 h and 2 h before by default, as appointments).
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Kith, assert_received_soon_after

SERVICE = "derby-peer-support"
# Staff know the group by its purpose; no message may ever say it.
PURPOSE = "Hearing Voices"
VENUE = "Market Street centre"
SUNDAY_NOON = "2026-03-08T12:00:00+00:00"  # the session is Tuesday 10 March, 10:00 GMT


def phones(first: int, count: int) -> list[str]:
    return [f"07700900{n:03d}" for n in range(first, first + count)]


def add_group(kith: Kith, every: str = "weekly", first: str = "2026-03-03 10:00") -> None:
    out = kith.run(
        "groups", "add", "--service", SERVICE, "--name", f"{PURPOSE} group", "--venue", VENUE,
        "--every", every, "--first", first, "--by", "Asha", env={"KITH_CLOCK": SUNDAY_NOON},
    ).stdout  # fmt: skip
    assert out.startswith("group ") and "added" in out


def add_members(kith: Kith, numbers: list[str], lang: str, *extra: str) -> None:
    args = ["groups", "members", "1", "add", "--lang", lang, "--by", "Asha", *extra]
    for number in numbers:
        args += ["--phone", number]
    kith.run(*args, env={"KITH_CLOCK": SUNDAY_NOON})


def opt_out(kith: Kith, number: str) -> None:
    address = "sms:+44" + number[1:]
    kith.run("chat", "--service", SERVICE, "--from", address, stdin="STOP\n")


def tick(kith: Kith, clock: str) -> dict[str, int]:
    out = kith.run("scheduler", "tick", "--json", env={"KITH_CLOCK": clock}).stdout
    return dict(json.loads(out))


def outbox(kith: Kith, kind: str) -> list[dict[str, Any]]:
    rows = json.loads(kith.run("outbox", "list", "--json").stdout)
    return [r for r in rows if r["kind"] == kind]


def test_a_cancelled_session_is_told_once_to_each_member_not_opted_out_in_their_language(
    kith: Kith,
) -> None:
    add_group(kith)
    english, urdu = phones(1, 3), phones(11, 3)
    add_members(kith, english, "en")
    add_members(kith, urdu, "ur")
    opt_out(kith, english[0])
    opt_out(kith, urdu[0])
    out = kith.run(
        "groups", "change", "1", "--session", "2026-03-10", "--cancel", "--by", "Asha",
        env={"KITH_CLOCK": SUNDAY_NOON},
    ).stdout  # fmt: skip
    assert "4 members will be told" in out
    assert tick(kith, "2026-03-08T12:00:20+00:00")["group_notices"] == 4
    notices = outbox(kith, "group_notice")
    told = {row["phone"]: row for row in notices}
    assert sorted(told) == sorted("+44" + n[1:] for n in english[1:] + urdu[1:])
    for number in english[1:]:
        row = told["+44" + number[1:]]
        assert row["text"] == (
            "The group on Tuesday 10 March at 10am, at Market Street centre, is cancelled."
        )
    for number in urdu[1:]:
        text = told["+44" + number[1:]]["text"]
        assert "منگل 10 مارچ" in text and "منسوخ" in text and VENUE in text  # Tuesday, cancelled
    for row in notices:
        assert PURPOSE.lower() not in row["text"].lower()
        # 46 hours away: not exempt, so the dispatcher holds it through quiet hours.
        assert row["quiet_exempt"] is False and row["priority"] == "normal"
        assert_received_soon_after(row["created_at"], "2026-03-08T12:00:20+00:00")
    # Told once: another tick (another process) queues nothing more.
    assert tick(kith, "2026-03-08T12:00:40+00:00")["group_notices"] == 0
    assert len(outbox(kith, "group_notice")) == 4
    sessions = json.loads(kith.run("groups", "sessions", "1", "--weeks", "2", "--json",
                                   env={"KITH_CLOCK": SUNDAY_NOON}).stdout)  # fmt: skip
    assert [(s["session"], s["status"]) for s in sessions] == [
        ("2026-03-10", "cancelled"),
        ("2026-03-17", "as usual"),
    ]


def test_thirty_members_a_move_at_night_to_a_session_within_12_hours_goes_out_at_once(
    kith_sqlite: Kith,
) -> None:
    """Members in four languages, two opted out: 28 of 30 told, each in their language."""
    kith = kith_sqlite
    add_group(kith)
    english, urdu, polish, punjabi = phones(100, 8), phones(200, 8), phones(300, 7), phones(400, 7)
    add_members(kith, english, "en")
    add_members(kith, urdu, "ur")
    add_members(kith, polish, "pl")
    add_members(kith, punjabi, "pa")
    opt_out(kith, english[3])
    opt_out(kith, urdu[7])
    night = "2026-03-09T23:30:00+00:00"  # 10.5 hours before Tuesday 10:00
    kith.run(
        "groups", "change", "1", "--session", "2026-03-10", "--to", "2026-03-10 14:00",
        "--venue", "Oak Road hall", "--by", "Asha", env={"KITH_CLOCK": night},
    )  # fmt: skip
    assert tick(kith, "2026-03-09T23:30:30+00:00")["group_notices"] == 28
    notices = outbox(kith, "group_notice")
    assert len(notices) == 28
    by_language = {"en": 0, "ur": 0, "pl": 0, "pa": 0}
    for row in notices:
        assert row["quiet_exempt"] is True and row["priority"] == "urgent"
        assert PURPOSE.lower() not in row["text"].lower()
        assert "Oak Road hall" in row["text"]
        # Worth sending until the session starts at its new time.
        assert row["not_after"] == "2026-03-10T14:00:00+00:00"
        if row["text"].startswith("The group"):
            by_language["en"] += 1
            assert row["text"] == (
                "The group on Tuesday 10 March at 10am has moved to Tuesday 10 March at 2pm, "
                "at Oak Road hall."
            )
        elif "منگل" in row["text"]:  # Tuesday, in Urdu
            by_language["ur"] += 1
        elif "wtorek" in row["text"].lower():  # Tuesday, in Polish
            by_language["pl"] += 1
        elif "ਮੰਗਲ" in row["text"]:  # Tuesday, in Punjabi (Gurmukhi)
            by_language["pa"] += 1
    assert by_language == {"en": 7, "ur": 7, "pl": 7, "pa": 7}


def test_a_venue_change_days_away_made_at_night_is_held_for_quiet_hours(
    kith_sqlite: Kith,
) -> None:
    kith = kith_sqlite
    add_group(kith)
    add_members(kith, phones(1, 1), "en")
    late = "2026-03-14T22:00:00+00:00"  # Saturday night; the session is Tuesday 17th
    kith.run(
        "groups", "change", "1", "--session", "2026-03-17", "--venue", "Oak Road hall",
        "--by", "Asha", env={"KITH_CLOCK": late},
    )  # fmt: skip
    tick(kith, "2026-03-14T22:00:10+00:00")
    (row,) = outbox(kith, "group_notice")
    assert row["text"] == "The group on Tuesday 17 March at 10am will be at Oak Road hall instead."
    assert row["quiet_exempt"] is False


def test_members_who_asked_get_session_reminders_and_none_for_a_cancelled_session(
    kith_sqlite: Kith,
) -> None:
    kith = kith_sqlite
    add_group(kith)
    wants, not_asked = phones(1, 1), phones(2, 1)
    add_members(kith, wants, "en", "--reminders")
    add_members(kith, not_asked, "en")
    kith.run(
        "groups", "change", "1", "--session", "2026-03-10", "--cancel", "--by", "Asha",
        env={"KITH_CLOCK": SUNDAY_NOON},
    )  # fmt: skip
    # Cancelled Tuesday 10th has none; Tuesday 17th: 48 h before, then 2 h before.
    assert tick(kith, "2026-03-10T08:00:00+00:00")["group_reminders"] == 0
    assert tick(kith, "2026-03-15T10:00:00+00:00")["group_reminders"] == 1
    assert tick(kith, "2026-03-15T10:00:30+00:00")["group_reminders"] == 0
    assert tick(kith, "2026-03-17T08:00:00+00:00")["group_reminders"] == 1
    reminders = outbox(kith, "group_reminder")
    assert {r["phone"] for r in reminders} == {"+447700900001"}
    assert [r["text"] for r in reminders] == [
        "Reminder: the group is on Tuesday 17 March at 10am, at Market Street centre."
    ] * 2
    assert [r["not_after"] for r in reminders] == [
        "2026-03-17T08:00:00+00:00",
        "2026-03-17T10:00:00+00:00",
    ]


def test_monthly_and_fortnightly_sessions_fall_on_their_rule(kith_sqlite: Kith) -> None:
    kith = kith_sqlite
    # The 2nd Tuesday of each month from 10 March 2026.
    add_group(kith, "monthly", "2026-03-10 18:30")
    add_group(kith, "fortnightly", "2026-03-05 11:00")
    # The 5th Tuesday (31 March) means the last Tuesday of each month.
    add_group(kith, "monthly", "2026-03-31 10:00")

    def dates(group: str) -> list[str]:
        out = kith.run("groups", "sessions", group, "--weeks", "13", "--json",
                       env={"KITH_CLOCK": SUNDAY_NOON}).stdout  # fmt: skip
        return [s["session"] for s in json.loads(out)]

    assert dates("1") == ["2026-03-10", "2026-04-14", "2026-05-12"]
    assert dates("2")[:4] == ["2026-03-19", "2026-04-02", "2026-04-16", "2026-04-30"]
    assert dates("3") == ["2026-03-31", "2026-04-28", "2026-05-26"]


def test_bad_changes_are_refused_with_one_clear_line(kith_sqlite: Kith) -> None:
    kith = kith_sqlite
    add_group(kith)
    clock = {"KITH_CLOCK": SUNDAY_NOON}
    cases = [
        (["--session", "2026-03-11", "--cancel"], "has no session on 2026-03-11"),
        (["--session", "2026-03-03", "--cancel"], "has started or passed"),
        (["--session", "10/03/2026", "--cancel"], "is not a session date"),
        (["--session", "2026-03-10"], "say what changes"),
        (["--session", "2026-03-10", "--to", "tomorrow"], "is not a time"),
    ]
    for args, said in cases:
        result = kith.run("groups", "change", "1", *args, "--by", "Asha", check=False, env=clock)
        assert result.returncode == 2 and said in result.stderr, (args, result.stderr)
    result = kith.run("groups", "change", "1", "--session", "2026-03-10", "--cancel",
                      check=False, env=clock)  # fmt: skip
    assert result.returncode == 2 and "--by NAME or KITH_STAFF" in result.stderr
    result = kith.run("groups", "members", "1", "add", "--phone", "07700900001", "--lang", "xx",
                      "--by", "Asha", check=False, env=clock)  # fmt: skip
    assert result.returncode == 2 and "--lang must be one of" in result.stderr
    result = kith.run("groups", "members", "9", "add", "--phone", "07700900001", "--by", "Asha",
                      check=False, env=clock)  # fmt: skip
    assert result.returncode == 2 and "no group 9" in result.stderr


def test_two_schedulers_at_once_tell_each_member_once(kith: Kith) -> None:
    from concurrent.futures import ThreadPoolExecutor

    add_group(kith)
    add_members(kith, phones(300, 40), "en")
    for session in ("2026-03-10", "2026-03-17", "2026-03-24"):
        kith.run(
            "groups", "change", "1", "--session", session, "--cancel", "--by", "Asha",
            env={"KITH_CLOCK": SUNDAY_NOON},
        )  # fmt: skip
    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda _: tick(kith, "2026-03-08T12:00:05+00:00"), range(3)))
    assert sum(r["group_notices"] for r in runs) == 120
    notices = outbox(kith, "group_notice")
    assert len(notices) == 120
    assert len({(n["phone"], n["text"]) for n in notices}) == 120


def test_a_member_who_left_and_a_telegram_member_are_told_rightly(kith_sqlite: Kith) -> None:
    kith = kith_sqlite
    add_group(kith)
    add_members(kith, phones(1, 2), "en")
    kith.run("groups", "members", "1", "add", "--telegram", "424242", "--lang", "ur",
             "--by", "Asha", env={"KITH_CLOCK": SUNDAY_NOON})  # fmt: skip
    kith.run("groups", "members", "1", "remove", "--phone", "07700900001", "--by", "Asha",
             env={"KITH_CLOCK": SUNDAY_NOON})  # fmt: skip
    kith.run(
        "groups", "change", "1", "--session", "2026-03-10", "--cancel", "--by", "Asha",
        env={"KITH_CLOCK": SUNDAY_NOON},
    )  # fmt: skip
    tick(kith, "2026-03-08T12:00:10+00:00")
    told = {row["address"]: row for row in outbox(kith, "group_notice")}
    assert sorted(told) == ["sms:+447700900002", "telegram:424242"]
    assert told["telegram:424242"]["channel"] == "telegram"
    assert "منسوخ" in told["telegram:424242"]["text"]
