"""Phone numbers in E.164, the one form Kith stores and compares."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException


def to_e164(number: str, region: str = "GB") -> str | None:
    """`number` as E.164 (`+447700900123`) when it can be a phone number, else None.

    "Possible" rather than "valid": ranges the numbering plan does not list (Ofcom's
    drama numbers, a new range) are still numbers, so "07700 900123" matches Twilio's
    `+447700900123`.
    """
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
