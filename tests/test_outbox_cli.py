"""`kith outbox list|retry|cancel` through the installed command, as an operator uses it."""

from __future__ import annotations

import json

from tests.conftest import KIRKLEES_TOO_OLD, Kith

SERVICE = "kirklees-carers-options"


def _decision_waiting(kith: Kith) -> int:
    """A 70-year-old cared-for person in Kirklees is not eligible (seed 000): staff record
    it, and the person's notice waits in the outbox (the console has no sender there)."""
    kith.chat(SERVICE, KIRKLEES_TOO_OLD)
    referral = kith.referrals()[0]
    kith.run("referrals", "set-status", str(referral["id"]), "not_accepted", "--by", "Jo")
    waiting = json.loads(kith.run("outbox", "list", "--status", "queued", "--json").stdout)
    assert [m["kind"] for m in waiting] == ["decision"]
    return int(waiting[0]["id"])


def test_list_is_one_line_per_message_and_json_keeps_every_field(kith_sqlite: Kith) -> None:
    outbox_id = _decision_waiting(kith_sqlite)
    everything = json.loads(kith_sqlite.run("outbox", "list", "--json").stdout)
    lines = kith_sqlite.run("outbox", "list").stdout.splitlines()
    assert len(lines) == len(everything) > 1
    [line] = [line for line in lines if line.split()[0] == str(outbox_id)]
    assert "queued" in line and "decision" in line
    assert len(line) < 160, "the body is shortened to keep one line per message"
    urgent = json.loads(kith_sqlite.run("outbox", "list", "--urgent", "--json").stdout)
    assert urgent and all(m["priority"] == "urgent" for m in urgent)
    assert outbox_id not in [m["id"] for m in urgent]  # a staff decision is not urgent
    [decision] = [m for m in everything if m["id"] == outbox_id]
    assert decision["text"].startswith("Sorry") or "Kirklees" in decision["text"]
    assert {"priority", "quiet_exempt", "not_after", "attempts", "phone"} <= decision.keys()


def test_cancel_then_retry_a_message(kith_sqlite: Kith) -> None:
    outbox_id = _decision_waiting(kith_sqlite)
    kith_sqlite.run("outbox", "cancel", str(outbox_id), "--by", "Jo")
    [row] = kith_sqlite.sql(f"SELECT status, error FROM outbox WHERE id = {outbox_id}")
    assert row == ("cancelled", "cancelled by Jo")
    again = kith_sqlite.run("outbox", "cancel", str(outbox_id), "--by", "Jo", check=False)
    assert again.returncode == 2 and "only a waiting message" in again.stderr
    kith_sqlite.run("outbox", "retry", str(outbox_id), "--by", "Sam")
    [row] = kith_sqlite.sql(f"SELECT status, attempts FROM outbox WHERE id = {outbox_id}")
    assert row == ("queued", 0)


def test_outbox_changes_need_a_name_and_a_real_message(kith_sqlite: Kith) -> None:
    outbox_id = _decision_waiting(kith_sqlite)
    for args in (
        ("outbox", "cancel", str(outbox_id)),
        ("outbox", "retry", "99999", "--by", "Jo"),
        ("outbox", "list", "--status", "lost"),
    ):
        result = kith_sqlite.run(*args, check=False, env={"KITH_STAFF": ""})
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    sent = json.loads(kith_sqlite.run("outbox", "list", "--status", "sent", "--json").stdout)
    result = kith_sqlite.run("outbox", "retry", str(sent[0]["id"]), "--by", "Jo", check=False)
    assert result.returncode == 2, "a message already sent is never sent again by mistake"
