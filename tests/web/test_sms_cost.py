"""Each SMS is stored as sent (GSM-7 punctuation), with its encoding and segments, and
`kith sms-cost` reports segments and cost by service, language and kind."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.records import OutboundRow
from bot.storage.tables import outbox
from tests.conftest import Kith, _kith_env
from tests.fakes.twilio_fake import TwilioFake
from tests.web.test_sms_webhook import ADDRESS, CONVERSATION, SERVICE, Running, running_kith

ANSWERS = [body for body, _ in CONVERSATION]


@pytest.fixture
async def served(migrated_url: str, twilio: TwilioFake) -> AsyncIterator[Running]:
    async with running_kith(migrated_url, twilio) as running:
        yield running


async def test_sms_rows_keep_encoding_and_segments_and_gsm_punctuation(served: Running) -> None:
    now = served.runtime.clock()
    typed = OutboundRow(
        "sms",
        ADDRESS,
        "It\u2019s at 2pm \u2013 see you then\u2026",
        "reminder",
        "normal",
        SERVICE,
        now,
        language="en",
    )
    urdu = OutboundRow("sms", ADDRESS, "شکریہ" * 15, "reminder", "normal", SERVICE, now)
    await served.runtime.database.write(lambda store: store.queue([typed, urdu], now))
    await served.deliver()
    assert [m["body"] for m in served.twilio.messages] == [
        "It's at 2pm - see you then...",
        "شکریہ" * 15,
    ]
    rows = await served.rows(select(outbox.c.encoding, outbox.c.segments).order_by(outbox.c.id))
    assert [tuple(r) for r in rows] == [("gsm7", 1), ("ucs2", 2)]  # 75 UCS-2 units: 2 parts
    assert [m["num_segments"] for m in served.twilio.messages] == ["1", "2"]  # as Twilio counts


async def test_sms_cost_reports_segments_and_cost_by_service_language_and_kind(
    served: Running, tmp_path: Path
) -> None:
    await served.answer(ANSWERS)
    sent = await served.rows(select(outbox.c.segments).where(outbox.c.status == "sent"))
    segments = sum(r.segments for r in sent)
    staff = Kith(
        {**_kith_env(served.runtime.settings.database_url, tmp_path), "KITH_SMS_PRICE": "0.04"}
    )
    result = await asyncio.to_thread(staff.run, "sms-cost", "--json")
    report = json.loads(result.stdout)
    assert report["messages"] == len(served.twilio.messages) == len(sent)
    assert (
        report["segments"]
        == segments
        == sum(int(m["num_segments"]) for m in served.twilio.messages)
    )
    assert report["cost"] == round(segments * 0.04, 4)
    assert {(r["service"], r["language"]) for r in report["rows"]} == {(SERVICE, "en")}
    assert "acknowledgement" in {r["kind"] for r in report["rows"]}
    table = (await asyncio.to_thread(staff.run, "sms-cost")).stdout
    assert SERVICE in table and f"{segments * 0.04:.2f}" in table
    bad = await asyncio.to_thread(staff.run, "sms-cost", "--since", "yesterday", check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
