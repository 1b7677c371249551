"""The staff queue through the `kith` binary: what is due, who to call, who decided what.

Deadlines are Kirklees Carers Options' first contact within 3 working days (seed 000
4.11): received on day 0, due by the end of the third working day after it.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess

from tests.conftest import (
    KIRKLEES_ELIGIBLE,
    KIRKLEES_TOO_OLD,
    KITH,
    Kith,
    assert_received_soon_after,
)
from tests.services.conversation_helpers import refer_to
from tests.services.test_leicester_carers import ELIGIBLE as LEICESTER_ELIGIBLE
from tests.services.test_leicester_carers import ORDER as LEICESTER_ORDER

SERVICE = "kirklees-carers-options"
NOW = "2026-12-01T12:00:00+00:00"  # Tuesday 1 December 2026, midday
URDU_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


def _refer(kith: Kith, name: str, clock: str, address: str) -> None:
    lines = list(KIRKLEES_ELIGIBLE)
    lines[KIRKLEES_ELIGIBLE.index("Sam")] = name
    kith.chat(SERVICE, lines, address=address, clock=clock)


def _queue(kith: Kith, *args: str) -> list[dict[str, object]]:
    out = kith.run("referrals", "list", "--json", *args, env={"KITH_CLOCK": NOW}).stdout
    return list(json.loads(out))


def test_queue_puts_overdue_first_and_says_due_plainly(kith_sqlite: Kith) -> None:
    # Received Mon 30 Nov: due Thu 3 Dec. Thu 26 Nov: due Tue 1 Dec (today).
    # Mon 23 Nov: due Thu 26 Nov, so 5 days overdue on Tue 1 Dec. Fri 27 Nov: due Wed 2 Dec.
    _refer(kith_sqlite, "Ann", "2026-11-30T10:00:00+00:00", "sms:+447700900001")
    _refer(kith_sqlite, "Bea", "2026-11-26T10:00:00+00:00", "sms:+447700900002")
    _refer(kith_sqlite, "Cal", "2026-11-23T10:00:00+00:00", "sms:+447700900003")
    _refer(kith_sqlite, "Dee", "2026-11-27T10:00:00+00:00", "sms:+447700900004")
    queue = _queue(kith_sqlite)
    assert [(r["first_name"], r["due"]) for r in queue] == [
        ("Cal", "overdue 5 days"),
        ("Bea", "today"),
        ("Dee", "tomorrow"),
        ("Ann", "Thu 3 Dec"),
    ]
    assert queue[0]["phone"] == "+447700900003"
    assert queue[0]["overdue"] is True
    # Every INTERFACES field is kept, times local with their offset.
    assert queue[0]["first_contact_due"] == "2026-11-26T23:59:59+00:00"
    assert queue[0]["answers"]["first_name"] == "Cal"  # type: ignore[index]

    assert [r["first_name"] for r in _queue(kith_sqlite, "--overdue")] == ["Cal"]
    assert [r["first_name"] for r in _queue(kith_sqlite, "--due-today")] == ["Cal", "Bea"]
    assert [r["first_name"] for r in _queue(kith_sqlite, "--search", "dee")] == ["Dee"]
    assert [r["first_name"] for r in _queue(kith_sqlite, "--search", "900002")] == ["Bea"]
    assert [r["first_name"] for r in _queue(kith_sqlite, "--limit", "2")] == ["Cal", "Bea"]

    table = kith_sqlite.run("referrals", "list", env={"KITH_CLOCK": NOW}).stdout
    lines = [line for line in table.splitlines() if line.strip()]
    assert "Cal" in lines[1] and "overdue 5 days" in lines[1] and "+447700900003" in lines[1]
    assert "T10:00" not in table and "+00:00" not in table  # no raw timestamps


def test_closed_referrals_leave_the_default_view_but_not_all(kith_sqlite: Kith) -> None:
    _refer(kith_sqlite, "Ann", "2026-11-30T10:00:00+00:00", "sms:+447700900001")
    staff = {"KITH_STAFF": "Jo Bloggs"}
    for status in ("contacted", "meeting_booked", "accepted", "closed"):
        kith_sqlite.run("referrals", "set-status", "1", status, env=staff)
    assert _queue(kith_sqlite) == []
    assert "No open referrals." in kith_sqlite.run("referrals", "list").stdout
    (closed,) = _queue(kith_sqlite, "--all")
    assert closed["status"] == "closed"


def test_every_change_says_who_made_it(kith_sqlite: Kith) -> None:
    _refer(kith_sqlite, "Ann", "2026-11-30T10:00:00+00:00", "console:ann")
    refused = kith_sqlite.run("referrals", "note", "1", "Left a voicemail", check=False)
    assert refused.returncode == 2
    assert "--by NAME or KITH_STAFF" in refused.stderr
    kith_sqlite.run("referrals", "note", "1", "Left a voicemail", "--by", "Sam Jones")
    kith_sqlite.run("referrals", "set-status", "1", "contacted", env={"KITH_STAFF": "Priya"})
    shown = json.loads(kith_sqlite.run("referrals", "show", "1", "--json").stdout)
    assert [(h["status"], h["by"], h["note"]) for h in shown["history"]] == [
        ("new", "kith", "screening: accepted"),
        ("new", "Sam Jones", "Left a voicemail"),
        ("contacted", "Priya", None),
    ]
    assert shown["status"] == "contacted"


def test_status_moves_follow_the_workflow_graph(kith_sqlite: Kith) -> None:
    _refer(kith_sqlite, "Ann", "2026-11-30T10:00:00+00:00", "console:ann")
    by = ("--by", "Jo")

    def move(status: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return kith_sqlite.run("referrals", "set-status", "1", status, *by, *extra, check=False)

    # new cannot be closed: only a decision (accepted / not accepted) is closed.
    closed_early = move("closed")
    assert closed_early.returncode == 2 and "cannot move to closed" in closed_early.stderr
    assert move("withdrawn").returncode == 0
    # Reopening a withdrawn referral needs a note saying why.
    reopen = move("contacted")
    assert reopen.returncode == 2 and "--note" in reopen.stderr
    assert move("contacted", "--note", "Carer rang back").returncode == 0
    # Screening accepted this referral: refusing it overturns screening and needs a note.
    overturn = move("not_accepted", "--no-notify", "told by phone")
    assert overturn.returncode == 2 and "overturns" in overturn.stderr
    assert move("bogus").returncode == 2
    statuses = [r[0] for r in kith_sqlite.sql("SELECT status FROM referral_status_history")]
    assert statuses == ["new", "withdrawn", "contacted"]


def test_recording_not_accepted_tells_the_person_why_in_their_language(kith: Kith) -> None:
    # Seed 000 4.1: the cared-for person must be 18-64; 70 is outside (4.13: tell them).
    lines = KIRKLEES_TOO_OLD
    kith.chat(SERVICE, lines, address="sms:+447700900010", lang="ur")
    (referral,) = kith.referrals("--all")
    assert referral["outcome"] == "not_accepted" and referral["language"] == "ur"
    before = kith.sql("SELECT count(*) FROM outbox")[0][0]
    done = kith.run("referrals", "set-status", "1", "not_accepted", "--by", "Jo")
    assert "will be told" in done.stdout
    (body,) = [r[0] for r in kith.sql(f"SELECT body FROM outbox WHERE id > {before}")]
    assert "Carers Options" in body
    assert "Sorry" not in body  # said in Urdu, not English
    assert any("\u0600" <= ch <= "\u06ff" for ch in body)
    # 4.13: the reason (000 1.6, the cared-for person is 18 to 64), not only a refusal.
    assert "18" in body.translate(URDU_DIGITS) and "64" in body.translate(URDU_DIGITS)


def test_no_notify_needs_a_reason_and_sends_nothing(kith_sqlite: Kith) -> None:
    lines = KIRKLEES_TOO_OLD
    kith_sqlite.chat(SERVICE, lines, address="sms:+447700900011")
    before = kith_sqlite.sql("SELECT count(*) FROM outbox")[0][0]
    empty = kith_sqlite.run(
        "referrals",
        "set-status",
        "1",
        "not_accepted",
        "--by",
        "Jo",
        "--no-notify",
        " ",
        check=False,
    )
    assert empty.returncode == 2
    kith_sqlite.run(
        "referrals",
        "set-status",
        "1",
        "not_accepted",
        "--by",
        "Jo",
        "--no-notify",
        "explained on the phone",
    )
    assert kith_sqlite.sql("SELECT count(*) FROM outbox")[0][0] == before
    note = kith_sqlite.sql("SELECT note FROM referral_status_history ORDER BY id DESC")[0][0]
    assert "explained on the phone" in note


def test_alerts_unhandled_first_with_words_and_ack(kith: Kith) -> None:
    kith.chat(SERVICE, ["hi", "I want to end my life"], address="sms:+447700900020")
    kith.chat(SERVICE, ["hi", "I took an overdose"], address="sms:+447700900021")
    alerts = json.loads(kith.run("alerts", "list", "--json").stdout)
    assert [a["kind"] for a in alerts] == ["crisis", "crisis"]
    first = alerts[1]
    assert first["phone"] == "+447700900020" and first["words"] == "I want to end my life"
    assert first["handled"] is False
    assert kith.run("alerts", "ack", str(first["id"]), check=False).returncode == 2  # who?
    kith.run("alerts", "ack", str(first["id"]), "--by", "Jo", "--note", "Rang, safe with family")
    again = kith.run("alerts", "ack", str(first["id"]), "--by", "Jo", check=False)
    assert again.returncode == 2 and "already handled by Jo" in again.stderr
    assert kith.run("alerts", "ack", "999", "--by", "Jo", check=False).returncode == 2
    alerts = json.loads(kith.run("alerts", "list", "--json").stdout)
    assert [(a["phone"], a["handled"]) for a in alerts] == [
        ("+447700900021", False),
        ("+447700900020", True),
    ]
    assert (alerts[1]["handled_by"], alerts[1]["handled_note"]) == ("Jo", "Rang, safe with family")
    assert [
        a["phone"] for a in json.loads(kith.run("alerts", "list", "--open", "--json").stdout)
    ] == ["+447700900021"]
    table = kith.run("alerts", "list", env={"COLUMNS": "200"}).stdout
    assert "I took an overdose" in table and "NOT HANDLED" in table


def test_export_csv_for_spreadsheets(kith_sqlite: Kith) -> None:
    lines = list(KIRKLEES_ELIGIBLE)
    lines[KIRKLEES_ELIGIBLE.index("Sam")] = '=HYPERLINK("x")'
    kith_sqlite.chat(SERVICE, lines, address="sms:+447700900030", clock="2026-11-02T10:00:00+00:00")
    _refer(kith_sqlite, "Bea", "2026-11-30T10:00:00+00:00", "sms:+447700900031")
    raw = kith_sqlite.run("referrals", "export", "--format", "csv").stdout
    assert raw.startswith("\ufeff")  # UTF-8 with BOM: spreadsheets then read Urdu correctly
    reader = csv.reader(io.StringIO(raw.lstrip("\ufeff")))
    header = next(reader)
    assert len(header) == len(set(header))
    rows = [dict(zip(header, row, strict=True)) for row in reader]
    assert [r["phone"] for r in rows] == ["+447700900030", "+447700900031"]  # E.164 as it is
    assert rows[0]["first_name"] == '\'=HYPERLINK("x")'  # a formula is neutralised
    # Local time to the second: the moment the referral came, just after the clock started.
    assert_received_soon_after(rows[0]["created_at"], "2026-11-02T10:00:00+00:00")
    november = kith_sqlite.run(
        "referrals", "export", "--since", "2026-11-01", "--until", "2026-11-29"
    ).stdout
    assert "+447700900030" in november and "+447700900031" not in november
    bad = kith_sqlite.run("referrals", "export", "--since", "yesterday", check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_export_says_reasons_in_words_beside_codes(kith_sqlite: Kith) -> None:
    lines = KIRKLEES_TOO_OLD
    kith_sqlite.chat(SERVICE, lines, address="sms:+447700900040")
    raw = kith_sqlite.run("referrals", "export").stdout.lstrip("\ufeff")
    (row,) = list(csv.DictReader(io.StringIO(raw)))
    assert row["reasons"] == "cared_for_65_or_over"
    # Seed 000 1.6: the person cared for is "aged from 18 to 64 at the date of referral";
    # the words say that bound, not the code again.
    assert "18" in row["reason_words"] and "64" in row["reason_words"]
    assert "_" not in row["reason_words"]


def test_output_piped_to_a_closed_reader_ends_quietly(kith_sqlite: Kith) -> None:
    _refer(kith_sqlite, "Ann", "2026-11-30T10:00:00+00:00", "sms:+447700900001")
    proc = subprocess.Popen(
        [KITH, "referrals", "list", "--all"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=kith_sqlite.env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before kith writes
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


# Leicester Carers (seed 003): first contact in 2 working days (9.15); urgent the same
# day by the end of core hours, 5pm, or by 5pm the next working day when received after
# hours (9.16). In July London is on BST (UTC+1): 5pm local is 16:00 UTC.
LEICESTER = "leicester-carers"
JULY_1PM = "2026-07-14T12:00:00+00:00"  # Tuesday 14 July 2026, 1pm in London
JULY_6_30PM = "2026-07-14T17:30:00+00:00"  # the same day, 6:30pm in London
CRISIS = "I want to end my life"


def _refer_leicester(
    kith: Kith, name: str, clock: str, address: str, *, urgent: bool = False
) -> None:
    refer_to(
        kith,
        LEICESTER,
        LEICESTER_ELIGIBLE,
        LEICESTER_ORDER,
        clock=clock,
        address=address,
        first_name=name,
        urgent="yes" if urgent else "no",
    )


def _rows_by_name(table: str) -> dict[str, str]:
    """Each table line that names one of the people, by that name."""
    names = ("Ann", "Bea", "Cal", "Dee", "Eve")
    return {n: line for line in table.splitlines() for n in names if f" {n} " in line}


def test_queue_in_summer_urgent_first_flags_and_local_times(kith_sqlite: Kith) -> None:
    # Cal: Thu 9 Jul, due Mon 13 Jul: overdue 1 day. Dee: Fri 10 Jul, due today (Tue 14).
    # Ann: Mon 13 Jul, due Wed 15 Jul. Bea: urgent, Tue 14 Jul 10am, due today by 5pm BST.
    _refer_leicester(kith_sqlite, "Cal", "2026-07-09T09:00:00+00:00", "sms:+447700900103")
    _refer_leicester(kith_sqlite, "Dee", "2026-07-10T09:00:00+00:00", "sms:+447700900104")
    _refer_leicester(kith_sqlite, "Ann", "2026-07-13T09:00:00+00:00", "sms:+447700900101")
    _refer_leicester(
        kith_sqlite, "Bea", "2026-07-14T09:00:00+00:00", "sms:+447700900102", urgent=True
    )
    # After their referrals: Ann sends crisis words, Dee asks for a person.
    kith_sqlite.chat(LEICESTER, [CRISIS], "sms:+447700900101", JULY_1PM)
    kith_sqlite.chat(LEICESTER, ["PERSON"], "sms:+447700900104", JULY_1PM)

    at_1pm = {"KITH_CLOCK": JULY_1PM}
    queue = json.loads(kith_sqlite.run("referrals", "list", "--json", env=at_1pm).stdout)
    assert [(r["first_name"], r["due"], r["flags"]) for r in queue] == [
        ("Cal", "overdue 1 day", []),
        ("Bea", "today 5pm", ["urgent"]),
        ("Dee", "today", ["person asked"]),
        ("Ann", "tomorrow", ["crisis"]),
    ]
    assert queue[1]["first_contact_due"] == "2026-07-14T17:00:00+01:00"  # 16:00 UTC

    table = kith_sqlite.run("referrals", "list", env={**at_1pm, "COLUMNS": "200"}).stdout
    rows = _rows_by_name(table)
    assert list(rows) == ["Cal", "Bea", "Dee", "Ann"]  # the order on screen
    assert "today 5pm" in rows["Bea"] and "urgent" in rows["Bea"]
    assert "+447700900102" in rows["Bea"]
    assert "person asked" in rows["Dee"] and "crisis" in rows["Ann"]
    assert "overdue 1 day" in rows["Cal"]
    assert "4pm" not in table and "16:00" not in table and "+01:00" not in table

    # Options on the same queue.
    def names(*args: str) -> list[str]:
        out = kith_sqlite.run("referrals", "list", "--json", *args, env=at_1pm).stdout
        return [r["first_name"] for r in json.loads(out)]

    assert names("--overdue") == ["Cal"]
    assert names("--due-today") == ["Cal", "Bea", "Dee"]
    assert names("--search", "ann") == ["Ann"]
    assert names("--search", "900102") == ["Bea"]
    assert names("--limit", "1") == ["Cal"]

    # Eve: urgent, Tue 14 Jul 6pm (after core hours): due by 5pm tomorrow. At 6:30pm she
    # comes before Dee, due earlier tonight but not urgent; Bea's 5pm has passed.
    _refer_leicester(
        kith_sqlite, "Eve", "2026-07-14T17:00:00+00:00", "sms:+447700900105", urgent=True
    )
    evening = {"KITH_CLOCK": JULY_6_30PM, "COLUMNS": "200"}
    queue = json.loads(kith_sqlite.run("referrals", "list", "--json", env=evening).stdout)
    assert [(r["first_name"], r["due"]) for r in queue] == [
        ("Cal", "overdue 1 day"),
        ("Bea", "overdue since 5pm"),
        ("Eve", "tomorrow 5pm"),
        ("Dee", "today"),
        ("Ann", "tomorrow"),
    ]
    rows = _rows_by_name(kith_sqlite.run("referrals", "list", env=evening).stdout)
    assert list(rows) == ["Cal", "Bea", "Eve", "Dee", "Ann"]
    assert "overdue since 5pm" in rows["Bea"] and "tomorrow 5pm" in rows["Eve"]


def test_show_export_and_alerts_in_summer_give_the_phone_and_london_time(
    kith_sqlite: Kith,
) -> None:
    # Bea: urgent, Tue 14 Jul 10am BST (09:00 UTC): due today by 5pm BST (16:00 UTC).
    received = "2026-07-14T09:00:00+00:00"
    _refer_leicester(kith_sqlite, "Bea", received, "sms:+447700900102", urgent=True)
    kith_sqlite.chat(LEICESTER, [CRISIS], "sms:+447700900102", "2026-07-14T10:00:00+00:00")

    shown = json.loads(kith_sqlite.run("referrals", "show", "1", "--json").stdout)
    assert shown["phone"] == "+447700900102"
    assert shown["first_contact_due"] == "2026-07-14T17:00:00+01:00"
    text = kith_sqlite.run("referrals", "show", "1").stdout
    assert "5pm" in text and "4pm" not in text and "16:00" not in text

    raw = kith_sqlite.run("referrals", "export", "--format", "csv").stdout
    (row,) = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert row["phone"] == "+447700900102"
    assert row["first_contact_due"] == "2026-07-14T17:00:00+01:00"
    assert_received_soon_after(row["created_at"], received)  # in BST, +01:00

    (alert,) = json.loads(kith_sqlite.run("alerts", "list", "--json").stdout)
    assert (alert["kind"], alert["service"], alert["referral_id"]) == ("crisis", LEICESTER, 1)
    assert (alert["phone"], alert["words"], alert["handled"]) == ("+447700900102", CRISIS, False)
    handled_at = "2026-07-14T11:00:00+00:00"  # midday in London
    kith_sqlite.run("alerts", "ack", str(alert["id"]), "--by", "Jo", env={"KITH_CLOCK": handled_at})
    (alert,) = json.loads(kith_sqlite.run("alerts", "list", "--json").stdout)
    assert alert["handled"] is True and alert["handled_by"] == "Jo"
    assert_received_soon_after(alert["handled_at"], handled_at)
    wide = kith_sqlite.run("alerts", "list", env={"COLUMNS": "200"}).stdout
    (line,) = [line for line in wide.splitlines() if "crisis" in line]
    for shown_value in (LEICESTER, "+447700900102", CRISIS, "Jo", "midday"):
        assert shown_value in line, shown_value
    # A narrow terminal: long text wraps inside its column instead of running off it.
    narrow = kith_sqlite.run("alerts", "list", env={"COLUMNS": "60"}).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 60
    assert "crisis" in narrow and "Traceback" not in narrow


def test_recording_not_accepted_tells_the_reason_and_where_else_to_go(kith_sqlite: Kith) -> None:
    # Seed 000 1.6 and 4.13: carers of adults aged 18 to 64; someone caring for a person of
    # 70 is told so, and pointed to the council's support for older people's carers.
    kith_sqlite.chat(SERVICE, KIRKLEES_TOO_OLD, address="sms:+447700900012")
    before = kith_sqlite.sql("SELECT count(*) FROM outbox")[0][0]
    kith_sqlite.run("referrals", "set-status", "1", "not_accepted", "--by", "Jo")
    [(body, address)] = kith_sqlite.sql(f"SELECT body, address FROM outbox WHERE id > {before}")
    assert address == "sms:+447700900012"
    assert "18 to 64" in body
    assert "adult social care carers' support" in body
