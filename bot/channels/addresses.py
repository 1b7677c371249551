"""Channel addresses (`sms:+447700900123`, `telegram:42`, `console:local`) and phone numbers."""

from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType


def e164(number: str, region: str = "GB") -> str | None:
    """`number` in E.164 (`+447700900123`), or None when it is not a valid number."""
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_NOT_TEXTABLE = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
}


@functools.lru_cache(maxsize=65_536)  # parsing a number costs ~0.1 ms; a send asks each time
def may_text(number: str, region: str = "GB") -> bool:
    """False for a number known to be a landline or service line (they read texts aloud).

    A number the numbering plan does not know (a new range, Ofcom's drama range) is
    left to the provider to accept or refuse.
    """
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return False
    if not phonenumbers.is_valid_number(parsed):
        return True
    return phonenumbers.number_type(parsed) not in _NOT_TEXTABLE


def sms_address(number: str) -> str:
    """The channel address of a phone number, normalised to E.164 where possible."""
    return f"sms:{e164(number) or number.strip()}"


def address_number(address: str) -> str:
    """The phone number or chat id inside a channel address."""
    return address.split(":", 1)[1] if ":" in address else address
