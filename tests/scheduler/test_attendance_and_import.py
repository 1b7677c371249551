"""Attendance rules and the CSV import, through the CLI (issue 13, points 3 and 5).

Thurrock 004 5.4.1: support is withdrawn after the person "has failed to meet the
Provider on three occasions after appointments have been made": the third missed
appointment raises a `support_may_end` alert (INTERFACES alert kinds).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Kith

THURROCK = "thurrock-floating-support"
DERBY = "derby-peer-support"
LATER = {"KITH_CLOCK": "2026-05-01T12:00:00+00:00"}
BEFORE = {"KITH_CLOCK": "2026-04-01T12:00:00+00:00"}


def book(kith: Kith, service: str, at: str, phone: str = "07700900123") -> None:
    kith.run(
        "appointments",
        "add",
        "--service",
        service,
        "--phone",
        phone,
        "--at",
        at,
        "--place",
        "Grays Hub",
        "--with",
        "Sam",
        "--by",
        "Asha",
        env=BEFORE,
    )


def alerts(kith: Kith) -> list[dict[str, object]]:
    return list(json.loads(kith.run("alerts", "list", "--json").stdout))


def test_three_missed_appointments_raise_support_may_end(kith_sqlite: Kith) -> None:
    for day in ("2026-04-06", "2026-04-13", "2026-04-20", "2026-04-27"):
        book(kith_sqlite, THURROCK, f"{day} 10:00")
    attend = ["appointments", "attend"]
    kith_sqlite.run(*attend, "1", "missed", "--by", "Asha", env=LATER)
    kith_sqlite.run(*attend, "2", "attended", "--by", "Asha", env=LATER)
    kith_sqlite.run(*attend, "3", "missed", "--by", "Asha", env=LATER)
    assert alerts(kith_sqlite) == []
    third = kith_sqlite.run(*attend, "4", "missed", "--by", "Asha", env=LATER).stdout
    assert "support_may_end" in third
    (alert,) = alerts(kith_sqlite)
    assert (alert["kind"], alert["service"], alert["phone"]) == (
        "support_may_end",
        THURROCK,
        "+447700900123",
    )
    history = kith_sqlite.sql("SELECT changed_by FROM appointment_history WHERE action = 'missed'")
    assert [h[0] for h in history] == ["Asha", "Asha", "Asha"]


def test_a_service_without_the_rule_raises_nothing_and_attendance_waits_for_the_time(
    kith_sqlite: Kith,
) -> None:
    for day in ("2026-04-06", "2026-04-13", "2026-04-20"):
        book(kith_sqlite, DERBY, f"{day} 10:00")
    for n in ("1", "2", "3"):
        kith_sqlite.run("appointments", "attend", n, "missed", "--by", "Asha", env=LATER)
    assert alerts(kith_sqlite) == []
    book(kith_sqlite, THURROCK, "2026-06-01 10:00")
    early = kith_sqlite.run(
        "appointments", "attend", "4", "missed", "--by", "Asha", check=False, env=LATER
    )
    assert early.returncode == 2 and "has not happened yet" in early.stderr


CSV = """phone,referral_id,service,date,time,place,with
07700900101,,thurrock-floating-support,2026-05-11,10:00,Grays Hub,Sam
07700900102,,thurrock-floating-support,2026-05-11,11:00,Grays Hub,Priya
12345,,thurrock-floating-support,2026-05-11,12:00,Grays Hub,Sam
07700900104,,no-such-service,2026-05-11,13:00,Grays Hub,Sam
07700900105,,thurrock-floating-support,11/05/2026,14:00,Grays Hub,Sam
07700900106,,thurrock-floating-support,2026-05-11,3pm,Grays Hub,Sam
07700900107,,thurrock-floating-support,2026-05-11,16:00,,Sam
,,thurrock-floating-support,2026-05-12,10:00,Grays Hub,Sam
07700900109,,thurrock-floating-support,2026-05-12,11:00,Grays Hub,Sam Jones
07700900101,,thurrock-floating-support,2026-05-11,10:00,Grays Hub,Sam
07700900111,,derby-peer-support,2026-05-12,12:00,The Hub,Ali
"""


def test_a_csv_import_with_bad_rows_books_every_good_row(kith_sqlite: Kith, tmp_path: Path) -> None:
    path = tmp_path / "sessions.csv"
    path.write_text(CSV, encoding="utf-8")
    dry = kith_sqlite.run(
        "appointments", "import", str(path), "--dry-run", "--by", "Asha", check=False, env=BEFORE
    )
    assert dry.returncode == 2
    assert "would book 3 of 11 rows; 8 not booked" in dry.stdout
    assert kith_sqlite.sql("SELECT count(*) FROM appointments") == [(0,)]
    assert kith_sqlite.sql("SELECT count(*) FROM persons") == [(0,)]
    result = kith_sqlite.run(
        "appointments", "import", str(path), "--by", "Asha", check=False, env=BEFORE
    )
    assert result.returncode == 2
    assert "booked 3 of 11 rows; 8 not booked" in result.stdout
    report = result.stderr.splitlines()
    assert report == [
        "line 4: the phone number is not a UK mobile or landline number",
        "line 5: unknown service 'no-such-service'",
        "line 6: date '11/05/2026' is not like 2026-03-30",
        "line 7: time '3pm' is not like 14:30",
        "line 8: missing place",
        "line 9: give a phone or a referral_id",
        "line 10: 'with' must be a first name only",
        "line 11: already booked (a duplicate)",
    ]
    listed = json.loads(kith_sqlite.run("appointments", "list", "--json", env=BEFORE).stdout)
    assert [(a["phone"], a["with"]) for a in listed] == [
        ("+447700900101", "Sam"),
        ("+447700900102", "Priya"),
        ("+447700900111", "Ali"),
    ]
    again = kith_sqlite.run(
        "appointments", "import", str(path), "--by", "Asha", check=False, env=BEFORE
    )
    assert "booked 0 of 11 rows" in again.stdout  # nothing is booked twice


def test_an_unreadable_file_is_one_clear_line(kith_sqlite: Kith, tmp_path: Path) -> None:
    missing = kith_sqlite.run(
        "appointments", "import", str(tmp_path / "nope.csv"), "--by", "A", check=False
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr
