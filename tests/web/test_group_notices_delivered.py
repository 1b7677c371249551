"""A group session change told to thirty members, delivered by SMS and Telegram (issue 14).

The issue's scenario, through the front doors: members in four languages, two of them
on Telegram; two members opt out by texting STOP to the signed webhook; staff move a
session at night to the next morning (10.5 hours away: urgent, quiet-exempt); the
scheduler's job queues the notices and the real dispatcher delivers them to the
Twilio and Bot API fakes. 28 of 30 members are told, each in their language, within a
minute of the change, and none is told the group's purpose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import make_clock
from bot.core.ports import Store
from bot.staff import groups as staff
from bot.storage.tables import outbox
from scheduler.jobs import JobContext, tick
from tests.fakes.telegram_fake import TelegramFake
from tests.fakes.twilio_fake import TwilioFake
from tests.web.conftest import telegram_settings
from tests.web.test_sms_webhook import Running, running_kith

LONDON = ZoneInfo("Europe/London")
SERVICE = "derby-peer-support"
PURPOSE = "Hearing Voices"  # staff know the group by it; no message may say it
# Tuesday 10 March 2026, 23:30: the session on Wednesday 11 March moves from 10:00 to 14:00.
NIGHT = datetime(2026, 3, 10, 23, 30, tzinfo=LONDON)
SESSION = datetime(2026, 3, 11, 10, 0, tzinfo=LONDON)
MOVED_TO = datetime(2026, 3, 11, 14, 0, tzinfo=LONDON)
# "Wednesday" as each language's notice says it.
WEDNESDAY = {"en": "Wednesday", "ur": "بدھ", "pl": "środa", "pa": "ਬੁੱਧ"}


@pytest.fixture
async def kith(
    migrated_url: str, twilio: TwilioFake, telegram: TelegramFake
) -> AsyncIterator[Running]:
    # A provider sending through a Messaging Service configures a faster pace than one
    # long code's second a segment; the test checks the default pace's arithmetic too.
    async with running_kith(
        migrated_url,
        twilio,
        KITH_SMS_RATE="20",
        **telegram_settings(telegram),
    ) as running:
        yield running


def set_clock(kith: Running, moment: datetime) -> None:
    clock = make_clock(moment)
    kith.runtime.clock = clock
    kith.runtime.dispatcher.clock = clock


def members() -> dict[str, list[tuple[str | None, str | None]]]:
    """(phone, Telegram chat) per language: 8 English, 8 Urdu, 7 Polish, 7 Punjabi."""
    sms = lambda first, count: [(f"+447700900{n:03d}", None) for n in range(first, first + count)]  # noqa: E731
    return {
        "en": sms(100, 8),
        "ur": sms(200, 8),
        "pl": [*sms(300, 6), (None, "7001")],
        "pa": [*sms(400, 6), (None, "7002")],
    }


async def test_a_move_at_night_is_told_to_28_of_30_members_each_in_their_language(
    kith: Running, twilio: TwilioFake, telegram: TelegramFake
) -> None:
    runtime = kith.runtime
    service = runtime.registry.services[SERVICE]
    now = runtime.clock()

    def add(store: Store) -> None:
        group = staff.add_group(
            store, service, f"{PURPOSE} group", "Market Street centre", "weekly", SESSION,
            "Asha", now,
        )  # fmt: skip
        for language, people in members().items():
            for phone, chat in people:
                staff.add_member(
                    store, service, group, phone, chat, language, False, "Asha", now, False
                )

    await runtime.database.write(add)
    # Two members opt out by text, as Twilio delivers it.
    opted_out = [members()["en"][3][0], members()["ur"][7][0]]
    for phone in opted_out:
        assert (await kith.sms("STOP", sender=phone)).status == 200
    await kith.deliver()
    sent_before = len(twilio.messages)

    set_clock(kith, NIGHT)

    def move(store: Store) -> int:
        made = staff.change_session(
            store, service, 1, SESSION.date(), False, MOVED_TO, "Oak Road hall", "Asha", NIGHT
        )
        return made.members_to_tell

    assert await runtime.database.write(move) == 28
    job_at = NIGHT + timedelta(seconds=1)  # `kith serve` runs the job every second
    set_clock(kith, job_at)
    done = await tick(JobContext(runtime.database, runtime.registry, ()), job_at)
    assert done["group_notices"] == 28
    await kith.deliver()

    texts = [(str(m["to"]), str(m["body"])) for m in twilio.messages[sent_before:]]
    texts += [
        ("telegram:" + chat, t) for chat in ("7001", "7002") for t in telegram.texts_to(int(chat))
    ]
    told = dict(texts)
    assert len(texts) == len(told) == 28  # one notice each
    assert not set(told) & set(opted_out)
    for language, people in members().items():
        for phone, chat in people:
            if phone in opted_out:
                continue
            text = told[phone or f"telegram:{chat}"]
            assert WEDNESDAY[language] in text, (language, text)
            assert "Oak Road hall" in text and PURPOSE.lower() not in text.lower()
    english = told[members()["en"][0][0] or ""]
    assert english == (
        "The group on Wednesday 11 March at 10am has moved to Wednesday 11 March at 2pm, "
        "at Oak Road hall."
    )

    rows = await kith.rows(
        select(outbox.c.sent_at, outbox.c.segments, outbox.c.channel, outbox.c.quiet_exempt).where(
            outbox.c.kind == "group_notice"
        )
    )
    assert len(rows) == 28 and all(r.quiet_exempt for r in rows)  # 10.5 hours away, at night
    assert max(r.sent_at for r in rows) - NIGHT < timedelta(minutes=1)
    # At the default pace of one long code (a burst of 5, then a segment a second) the
    # SMS notices' segments would also all be out within the minute.
    sms_segments = sum(r.segments for r in rows if r.channel == "sms")
    assert sms_segments - 5 < 60, sms_segments
