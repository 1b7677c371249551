"""The staff commands: list, show, set-status (confirm or overturn), export."""

from __future__ import annotations

import csv
import io
import json

from tests.conftest import KIRKLEES_TOO_OLD, Kith, assert_received_soon_after

SERVICE = "kirklees-carers-options"
ELIGIBLE = [
    "hi",
    "yes",
    "1",
    "45",
    "yes",
    "1",
    "40",
    "yes",
    "HD1 2AB",
    "WF13 1AB",
    "1",
    '=HYPERLINK("x")',
    "3",
    "1",
]
TOO_OLD = KIRKLEES_TOO_OLD


def test_list_filters_by_service(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, ELIGIBLE, address="console:a")
    kith_sqlite.chat(SERVICE, TOO_OLD, address="console:b")
    assert len(kith_sqlite.referrals("--service", SERVICE)) == 2
    assert kith_sqlite.referrals("--service", "kirklees-advocacy") == []
    table = kith_sqlite.run("referrals", "list").stdout
    assert "accepted" in table and "not_accepted" in table


def test_bad_status_or_service_is_exit_2_with_one_line(kith_sqlite: Kith) -> None:
    for args in (
        ("referrals", "list", "--limit", "0"),
        ("referrals", "list", "--service", "nowhere"),
        ("referrals", "set-status", "999", "contacted", "--by", "Jo"),
        ("referrals", "show", "999"),
    ):
        result = kith_sqlite.run(*args, check=False)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_staff_overturn_a_refusal_and_both_decisions_are_kept(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, TOO_OLD)
    referral = kith_sqlite.referrals()[0]
    assert referral["outcome"] == "not_accepted"
    kith_sqlite.run(
        "referrals",
        "set-status",
        str(referral["id"]),
        "accepted",
        "--note",
        "Overturned: the carer also looks after a younger sibling",
        "--by",
        "Jo Bloggs",
    )
    result = kith_sqlite.run(
        "referrals", "set-status", str(referral["id"]), "wrong", "--by", "Jo", check=False
    )
    assert result.returncode == 2
    shown = json.loads(kith_sqlite.run("referrals", "show", str(referral["id"]), "--json").stdout)
    assert shown["outcome"] == "not_accepted"  # what screening said, never changed
    assert shown["status"] == "accepted"  # what staff decided
    assert [h["status"] for h in shown["history"]] == ["new", "accepted"]
    assert shown["history"][1]["note"].startswith("Overturned")
    assert shown["history"][1]["by"] == "Jo Bloggs"
    assert (shown["channel"], shown["phone"]) == ("console", None)
    text = kith_sqlite.run("referrals", "show", str(referral["id"])).stdout
    assert "cared_for_age: 70" in text


def test_export_is_csv_with_one_column_per_answer_and_no_formulas(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, ELIGIBLE, address="console:a")
    kith_sqlite.chat(SERVICE, TOO_OLD, address="console:b")
    out = kith_sqlite.run("referrals", "export", "--format", "csv").stdout.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["outcome"] for row in rows] == ["accepted", "not_accepted"]
    assert rows[0]["priority"] == "caring_may_break_down"
    assert rows[1]["reasons"] == "cared_for_65_or_over"
    assert rows[0]["postcode"] == "HD1 2AB"
    assert rows[0]["first_name"] == '\'=HYPERLINK("x")'  # spreadsheet formula neutralised
    assert rows[1]["first_name"] == ""
    assert "console:" not in out  # channel addresses are not phone numbers


def test_list_json_has_the_interface_fields(kith: Kith) -> None:
    clock = "2026-12-24T10:00:00+00:00"
    kith.chat(SERVICE, ELIGIBLE, clock=clock)
    (referral,) = kith.referrals()
    assert set(referral) >= {
        "id",
        "service",
        "channel",
        "language",
        "referrer",
        "outcome",
        "reasons",
        "priority",
        "urgent",
        "status",
        "created_at",
        "first_contact_due",
        "first_meeting_due",
        "answers",
    }
    # Received as the conversation ended, a moment after the test clock started.
    assert_received_soon_after(referral["created_at"], clock)
    # Christmas 2026: 25 Dec (Fri) and 28 Dec (Boxing Day substitute) are not working days.
    assert referral["first_contact_due"] == "2026-12-31T23:59:59+00:00"
    assert referral["urgent"] is False
