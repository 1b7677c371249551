"""Phone numbers: stored in E.164; landlines and service lines are never texted."""

from __future__ import annotations

import pytest

from bot.channels.addresses import e164, may_text, sms_address


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07911 123456", "+447911123456"),
        ("+44 7911 123456", "+447911123456"),
        ("0044 7911-123-456", "+447911123456"),
        ("01484 221000", "+441484221000"),
        ("12345", None),
        ("not a number", None),
    ],
)
def test_numbers_are_stored_in_e164(raw: str, expected: str | None) -> None:
    assert e164(raw) == expected


def test_sms_address_normalises_the_number() -> None:
    assert sms_address("07911 123456") == "sms:+447911123456"


@pytest.mark.parametrize(
    ("number", "textable"),
    [
        ("+447911123456", True),  # mobile
        ("+441484221000", False),  # Huddersfield landline
        ("+448001111111", False),  # freephone
        ("+449098790000", False),  # premium rate
        ("+447700900123", True),  # Ofcom drama range: unknown to the plan, left to Twilio
        ("rubbish", False),
    ],
)
def test_only_numbers_that_may_be_mobiles_are_texted(number: str, textable: bool) -> None:
    assert may_text(number) is textable
