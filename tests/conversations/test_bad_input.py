"""Odd text through `kith chat --json`: polite re-asks, never a crash, nothing lost."""

from __future__ import annotations

import pytest

from tests.conftest import KIRKLEES_ELIGIBLE, Kith

SERVICE = "kirklees-carers-options"
START = ["hi", "yes", "1", "45"]  # the next question is yes/no


@pytest.mark.parametrize(
    "odd",
    [
        "",
        "   ",
        "😀😀😀",
        "x" * 2000,
        "'; DROP TABLE referrals; --",
        "\u202e\u200b",
        "NULL",
        '{"field": "consent"}',
    ],
)
def test_odd_text_gets_a_reask_and_the_conversation_carries_on(kith_sqlite: Kith, odd: str) -> None:
    replies = kith_sqlite.chat(SERVICE, [*START, odd])
    assert replies[-1]["field"] == "cares_significant_time"
    assert replies[-1]["text"].startswith("Sorry")
    rest = KIRKLEES_ELIGIBLE[4:]
    kith_sqlite.chat(SERVICE, rest)
    (referral,) = kith_sqlite.referrals()
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["age"] == 45  # what was answered before is intact


def test_long_and_sql_looking_text_is_stored_as_plain_text(kith_sqlite: Kith) -> None:
    lines = [*KIRKLEES_ELIGIBLE[:11], "Robert'); DROP TABLE referrals;--", "3", "1"]
    kith_sqlite.chat(SERVICE, lines)
    (referral,) = kith_sqlite.referrals()
    assert referral["answers"]["first_name"] == "Robert'); DROP TABLE referrals;--"
    assert kith_sqlite.sql("select count(*) from referrals") == [(1,)]
    too_long = kith_sqlite.chat(
        SERVICE,
        ["restart", *KIRKLEES_ELIGIBLE[1:11], "y" * 2000],
        address="console:long",
    )
    assert "1,600 characters" in too_long[-1]["text"]
    assert too_long[-1]["field"] == "first_name"


def test_answers_out_of_range_are_reasked_with_the_range(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, ["hi", "yes", "1", "450", "-3", "12345", "45.5"])
    asked = next(n for n, reply in enumerate(replies) if reply["text"] == "How old are you?")
    reasks = [reply for reply in replies[asked + 1 :] if reply["field"] == "age"]
    assert len(reasks) == 4
    assert "from 0 to 120" in reasks[0]["text"]
    assert all(reply["text"].startswith("Sorry") for reply in reasks)
    assert any("PERSON" in reply["text"] for reply in replies[asked:])  # after the third
    assert kith_sqlite.referrals() == []
