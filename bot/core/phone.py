"""Phone numbers in E.164, the one form Kith stores and compares."""

from __future__ import annotations

import re

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


# A UK national significant number has 10 digits (07700 900123 → 7700900123); the few
# shorter ones (some older area codes) are valid numbers in the numbering plan.
_UK_LENGTH = 10
_NUMBER_RUN = re.compile(r"\+?\d[\d ().\-]{5,}\d")


def read_phone(text: str, region: str = "GB") -> str | None:
    """The one phone number written in `text`, as E.164, or None.

    People write "07700 900123", "+44 7700 900123", "447700900123" or "my number is
    07700 900123". A UK number is taken when it has a UK number's length (Ofcom's
    drama range, which is not "valid", included); a number from elsewhere must be valid.
    """
    runs = _NUMBER_RUN.findall(text)
    if len(runs) != 1:
        return None
    digits = runs[0]
    if digits.startswith("44") and not digits.startswith("+"):
        digits = "+" + digits  # "447700900123": the country code without its plus
    try:
        parsed = phonenumbers.parse(digits, region)
    except NumberParseException:
        return None
    national = str(parsed.national_number)
    uk_shaped = (
        parsed.country_code == 44
        and len(national) == _UK_LENGTH
        and phonenumbers.is_possible_number(parsed)
    )
    if not (uk_shaped or phonenumbers.is_valid_number(parsed)):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
