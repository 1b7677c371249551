"""Volunteers, the people they call and recurring call slots through the CLI (issue 14.2).

From the issue and Derby's specification (seed 002, 3.7.1.2): volunteers are reached by
SMS or Telegram; the service makes "appropriately risk-assessed and scheduled outgoing
calls only", to people referred with their consent, "as a one-off or time limited
basis": a callee needs consent on record and a staff-set risk-assessed flag, and slots
recur (once, weekly, fortnightly, monthly), perhaps until a date.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Kith

SERVICE = "derby-peer-support"
CLOCK = {"KITH_CLOCK": "2026-03-08T12:00:00+00:00"}  # Sunday 8 March


def run(kith: Kith, *args: str, check: bool = True) -> Any:
    return kith.run(*args, "--by", "Asha", env=CLOCK, check=check)


def listed(kith: Kith, *args: str) -> Any:
    return json.loads(kith.run(*args, "--json", env=CLOCK).stdout)


def add_callee(kith: Kith, name: str, phone: str) -> None:
    run(kith, "calls", "add", "--service", SERVICE, "--name", name, "--phone", phone,
        "--consent-recorded", "--risk-assessed")  # fmt: skip


def test_volunteers_on_sms_and_telegram_are_listed_paused_and_resumed(kith: Kith) -> None:
    run(kith, "volunteers", "add", "--service", SERVICE, "--name", "Jo", "--phone", "07700900501")
    run(kith, "volunteers", "add", "--service", SERVICE, "--name", "Kim",
        "--telegram", "424242", "--list-at", "09:15")  # fmt: skip
    found = listed(kith, "volunteers", "list")
    assert [(v["first_name"], v["channel"], v["status"], v["list_at"]) for v in found] == [
        ("Jo", "sms", "active", "08:30"),  # the default time for the day's list
        ("Kim", "telegram", "active", "09:15"),
    ]
    assert "volunteer 2 paused" in run(kith, "volunteers", "pause", "2").stdout
    assert listed(kith, "volunteers", "list")[1]["status"] == "paused"
    again = run(kith, "volunteers", "pause", "2", check=False)
    assert again.returncode == 2 and "is paused already" in again.stderr
    assert "volunteer 2 active" in run(kith, "volunteers", "pause", "2", "--resume").stdout


def test_a_callee_needs_recorded_consent_and_a_risk_assessment(kith_sqlite: Kith) -> None:
    kith = kith_sqlite
    base = ["calls", "add", "--service", SERVICE, "--name", "Sam", "--phone", "07700900601"]
    no_consent = run(kith, *base, "--risk-assessed", check=False)
    assert no_consent.returncode == 2 and "consent" in no_consent.stderr
    no_risk = run(kith, *base, "--consent-recorded", check=False)
    assert no_risk.returncode == 2 and "risk-assessed" in no_risk.stderr
    assert kith.sql("SELECT count(*) FROM callees") == [(0,)]
    assert "callee 1 added" in run(kith, *base, "--consent-recorded", "--risk-assessed").stdout
    twice = run(kith, *base, "--consent-recorded", "--risk-assessed", check=False)
    assert twice.returncode == 2 and "already" in twice.stderr
    ((by, recorded),) = kith.sql("SELECT risk_assessed_by, consent_recorded_at FROM callees")
    assert by == "Asha" and recorded is not None
    no_by = kith.run(*base, "--consent-recorded", "--risk-assessed", env=CLOCK, check=False)
    assert no_by.returncode == 2 and "--by NAME or KITH_STAFF" in no_by.stderr


def test_recurring_slots_give_each_day_its_calls_in_time_order(kith: Kith) -> None:
    run(kith, "volunteers", "add", "--service", SERVICE, "--name", "Jo", "--phone", "07700900501")
    add_callee(kith, "Sam", "07700900601")
    add_callee(kith, "Ade", "07700900602")
    add_callee(kith, "Lin", "07700900603")
    # Sam every Tuesday at 10:00 until the end of April; Ade fortnightly at 09:30;
    # Lin once, on Tuesday 17 March at 11:15.
    run(kith, "calls", "slots", "1", "--volunteer", "1", "--first", "2026-03-10 10:00",
        "--every", "weekly", "--until", "2026-04-30")  # fmt: skip
    run(kith, "calls", "slots", "2", "--volunteer", "1", "--first", "2026-03-10 09:30",
        "--every", "fortnightly")  # fmt: skip
    run(kith, "calls", "slots", "3", "--volunteer", "1", "--first", "2026-03-17 11:15",
        "--every", "once")  # fmt: skip

    def day(when: str) -> list[tuple[str, str, str]]:
        rows = listed(kith, "calls", "list", "--day", when)
        return [(r["starts_at"][11:16], r["first_name"], r["phone"]) for r in rows]

    assert day("2026-03-10") == [
        ("09:30", "Ade", "+447700900602"),
        ("10:00", "Sam", "+447700900601"),
    ]
    assert day("2026-03-17") == [
        ("10:00", "Sam", "+447700900601"),
        ("11:15", "Lin", "+447700900603"),
    ]
    assert day("2026-03-24") == [
        ("09:30", "Ade", "+447700900602"),
        ("10:00", "Sam", "+447700900601"),
    ]
    # After the clocks go forward (29 March) the calls keep London's time of day.
    (sam,) = listed(kith, "calls", "list", "--day", "2026-03-31")
    assert sam["first_name"] == "Sam" and sam["starts_at"] == "2026-03-31T10:00:00+01:00"
    # Ade fortnightly: 10 and 24 March, 7 and 21 April, 5 May; Sam's support ended 30 April.
    assert day("2026-05-05") == [("09:30", "Ade", "+447700900602")]
    assert day("2026-05-12") == []


def test_bad_slots_are_refused_with_one_clear_line(kith_sqlite: Kith) -> None:
    kith = kith_sqlite
    run(kith, "volunteers", "add", "--service", SERVICE, "--name", "Jo", "--phone", "07700900501")
    add_callee(kith, "Sam", "07700900601")
    run(kith, "volunteers", "pause", "1")
    cases = [
        (["1", "--volunteer", "1", "--first", "2026-03-10 10:00"], "is paused"),
        (["1", "--volunteer", "7", "--first", "2026-03-10 10:00"], "no volunteer 7"),
        (["9", "--volunteer", "1", "--first", "2026-03-10 10:00"], "no callee 9"),
        (["1", "--volunteer", "1", "--first", "Tuesday"], "is not a time"),
    ]
    for args, said in cases:
        result = run(kith, "calls", "slots", *args, "--every", "weekly", check=False)
        assert result.returncode == 2 and said in result.stderr, (args, result.stderr)
    run(kith, "volunteers", "pause", "1", "--resume")
    past = run(kith, "calls", "slots", "1", "--volunteer", "1", "--first", "2026-03-01 10:00",
               "--every", "weekly", check=False)  # fmt: skip
    assert past.returncode == 2 and "has passed" in past.stderr
    bad = run(kith, "volunteers", "add", "--service", SERVICE, "--name", "Jo Smith",
              "--phone", "07700900502", check=False)  # fmt: skip
    assert bad.returncode == 2 and "first name only" in bad.stderr


def outbox(kith: Kith, kind: str) -> list[dict[str, Any]]:
    rows = json.loads(kith.run("outbox", "list", "--json").stdout)
    return [r for r in rows if r["kind"] == kind]


def tick(kith: Kith, clock: str) -> dict[str, int]:
    out = kith.run("scheduler", "tick", "--json", env={"KITH_CLOCK": clock}).stdout
    return dict(json.loads(out))


def test_each_active_volunteer_gets_the_days_list_at_their_time_once(kith: Kith) -> None:
    # Issue 14.3: at a set time (08:30 by default): time, first name, number only, and
    # the reminder to withhold their own number.
    run(kith, "volunteers", "add", "--service", SERVICE, "--name", "Jo", "--phone", "07700900501")
    run(kith, "volunteers", "add", "--service", SERVICE, "--name", "Kim",
        "--telegram", "424242", "--lang", "ur", "--list-at", "09:00")  # fmt: skip
    run(kith, "volunteers", "add", "--service", SERVICE, "--name", "Lee", "--phone", "07700900503")
    add_callee(kith, "Sam", "07700900601")
    add_callee(kith, "Ade", "07700900602")
    add_callee(kith, "Lin", "07700900603")
    for callee, volunteer, at in (("1", "1", "10:00"), ("2", "1", "09:30"), ("3", "2", "14:00")):
        run(kith, "calls", "slots", callee, "--volunteer", volunteer,
            "--first", f"2026-03-10 {at}", "--every", "weekly")  # fmt: skip
    assert tick(kith, "2026-03-10T08:29:00+00:00")["call_lists"] == 0  # Monday's: no calls
    assert tick(kith, "2026-03-10T08:30:05+00:00")["call_lists"] == 1
    assert tick(kith, "2026-03-10T08:31:00+00:00")["call_lists"] == 0
    assert tick(kith, "2026-03-10T09:00:10+00:00")["call_lists"] == 1
    jo, kim = outbox(kith, "call_list")
    assert jo["phone"] == "+447700900501"
    assert jo["text"] == (
        "Your calls for Tuesday 10 March:\n"
        "9:30am Ade +447700900602\n"
        "10am Sam +447700900601\n"
        "Dial 141 before each number so yours stays hidden."
    )
    assert jo["not_after"] == "2026-03-10T10:00:00+00:00"
    assert kim["address"] == "telegram:424242"
    assert "Lin +447700900603" in kim["text"] and "141" in kim["text"]
    assert "منگل 10 مارچ" in kim["text"]  # Tuesday 10 March, in Urdu
    # A paused volunteer gets no list.
    run(kith, "volunteers", "pause", "1")
    assert tick(kith, "2026-03-17T08:30:05+00:00")["call_lists"] == 0
    assert len(outbox(kith, "call_list")) == 2


def test_a_volunteer_is_prompted_a_few_minutes_before_each_call_once(kith: Kith) -> None:
    # Issue 14.3: "a prompt a few minutes before each call" (Kith: 5 minutes).
    run(kith, "volunteers", "add", "--service", SERVICE, "--name", "Jo", "--phone", "07700900501")
    add_callee(kith, "Sam", "07700900601")
    add_callee(kith, "Ade", "07700900602")
    add_callee(kith, "Lin", "07700900603")
    for callee, at in (("1", "10:00"), ("2", "10:30"), ("3", "11:00")):
        run(kith, "calls", "slots", callee, "--volunteer", "1",
            "--first", f"2026-03-10 {at}", "--every", "weekly")  # fmt: skip
    assert tick(kith, "2026-03-10T09:50:00+00:00")["call_prompts"] == 0
    assert tick(kith, "2026-03-10T09:55:00+00:00")["call_prompts"] == 1
    assert tick(kith, "2026-03-10T09:55:01+00:00")["call_prompts"] == 0
    assert tick(kith, "2026-03-10T10:25:00+00:00")["call_prompts"] == 1
    assert tick(kith, "2026-03-10T10:55:00+00:00")["call_prompts"] == 1
    prompts = outbox(kith, "call_prompt")
    assert [p["text"] for p in prompts] == [
        "At 10am: call Sam on +447700900601. Dial 141 first.",
        "At 10:30am: call Ade on +447700900602. Dial 141 first.",
        "At 11am: call Lin on +447700900603. Dial 141 first.",
    ]
    assert [p["not_after"] for p in prompts] == [
        "2026-03-10T10:00:00+00:00",
        "2026-03-10T10:30:00+00:00",
        "2026-03-10T11:00:00+00:00",
    ]
    # The next week's first prompt, and nothing for a paused volunteer.
    assert tick(kith, "2026-03-17T09:55:00+00:00")["call_prompts"] == 1
    run(kith, "volunteers", "pause", "1")
    assert tick(kith, "2026-03-17T10:25:00+00:00")["call_prompts"] == 0
    assert len(outbox(kith, "call_prompt")) == 4
