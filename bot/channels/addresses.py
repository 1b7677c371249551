"""Channel addresses (`sms:+447700900123`, `telegram:42`, `console:local`) and phone numbers."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType


class NotAMobile(ValueError):
    """The number is valid but not one Kith may text (landlines read SMS aloud)."""


def e164(number: str, region: str = "GB") -> str | None:
    """`number` in E.164 (`+447700900123`), or None when it is not a valid number."""
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(number: str, region: str = "GB") -> bool:
    """True for a mobile number (or one that may be mobile), which Kith may text."""
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return False
    kind = phonenumbers.number_type(parsed)
    return kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def sms_address(number: str) -> str:
    """The channel address of a phone number, normalised to E.164 where possible."""
    return f"sms:{e164(number) or number.strip()}"


def address_number(address: str) -> str:
    """The phone number or chat id inside a channel address."""
    return address.split(":", 1)[1] if ":" in address else address
