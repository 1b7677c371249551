"""Issue 15 through the signed Twilio webhook: a first text in a language's own script.

A text in Arabic script, Gurmukhi, Gujarati or Bengali brings the language menu with
that script's languages first; the person picks theirs with a native-script digit and
carries on in it. A Latin-script language is reached with its own word for LANGUAGE.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from tests.fakes.twilio_fake import TwilioFake
from tests.web.test_sms_webhook import Running, running_kith

# code: (first message, its position in the menu it brings, yes, one, age 45, its words)
PEOPLE = {
    "ur": ("السلام علیکم", "۱", "جی ہاں", "۱", "۴۵", r"[\u0600-\u06ff]"),
    "ar": ("السلام عليكم", "٢", "نعم", "١", "٤٥", r"[\u0600-\u06ff]"),
    "pa": ("ਸਤ ਸ੍ਰੀ ਅਕਾਲ", "੧", "ਹਾਂ ਜੀ", "੧", "੪੫", r"[\u0a00-\u0a7f]"),
    "gu": ("નમસ્તે", "૧", "હા", "૧", "૪૫", r"[\u0a80-\u0aff]"),
    "bn": ("নমস্কার", "১", "হ্যাঁ", "১", "৪৫", r"[\u0980-\u09ff]"),
    "pl": ("język", "5", "tak", "1", "45", "ą|ę|ó|ś|ł|ż|ć|ń|Czy|Ile"),
    "so": ("luqad", "6", "haa", "1", "45", "yaa|Immisa|ma |Ma "),
    "ro": ("limba", "9", "da", "1", "45", "ă|â|î|ș|ț"),
}


@pytest.fixture
async def sms(migrated_url: str, twilio: TwilioFake) -> AsyncIterator[Running]:
    """Kith serving Kirklees carers by default, without pacing (long texts are many segments)."""
    async with running_kith(migrated_url, twilio, KITH_SMS_RATE="10000") as running:
        yield running


async def said(kith: Running, number: str, body: str) -> list[str]:
    """Send one signed SMS from `number`; the bodies of the replies it brought."""
    sent = len(kith.twilio.messages)
    response = await kith.sms(body, sender=number)
    assert response.status == 200
    await kith.deliver()
    return [str(m["body"]) for m in kith.twilio.messages[sent:] if m["to"] == number]


async def test_each_language_from_a_first_text_in_its_script(sms: Running) -> None:
    for index, (code, (first, position, yes, one, age, script)) in enumerate(PEOPLE.items()):
        number = f"+4477009002{index:02d}"
        menu = (await said(sms, number, first))[-1]
        lines = menu.replace("\u2066", "").replace("\u2069", "").splitlines()
        # The menu names each language in its own script and says how to reply in it.
        assert any("اردو" in line for line in lines) and any("ਪੰਜਾਬੀ" in line for line in lines)
        assert any(line.startswith(f"{int(position)} ") for line in lines)
        welcome = await said(sms, number, position)
        assert re.search(script, welcome[-1]), (code, welcome)
        assert "YES" in welcome[-1] or yes.upper() in welcome[-1].upper()
        referrer = (await said(sms, number, yes))[-1]
        assert re.search(script, referrer), (code, referrer)
        asked_age = await said(sms, number, one)
        assert re.search(script, asked_age[-1]), (code, asked_age)
        next_question = (await said(sms, number, age))[-1]
        assert re.search(script, next_question), (code, next_question)
        rows = await sms.rows(
            "SELECT language FROM participants WHERE address = :address", address=f"sms:{number}"
        )
        assert [r.language for r in rows] == [code]
    # Numbers inside right-to-left replies are isolated so they read left to right.
    urdu = [str(m["body"]) for m in sms.twilio.messages if m["to"] == "+447700900200"]
    assert any("\u2066" in body for body in urdu)
