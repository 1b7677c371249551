"""Telegram through its front door: the webhook Telegram posts to, and the Bot API fake.

python-telegram-bot's own `Bot` sends to a loopback fake speaking the Bot API's wire
format (tests/fakes/telegram_fake.py); updates are the JSON Telegram posts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import ClientResponse
from sqlalchemy import select

from bot.storage.tables import outbox, participants, referrals
from tests.fakes.telegram_fake import (
    TelegramFake,
    update_button,
    update_photo,
    update_text,
)
from tests.fakes.twilio_fake import TwilioFake
from tests.web.conftest import TELEGRAM_SECRET, telegram_settings
from tests.web.test_sms_webhook import CONVERSATION, SERVICE, Running, running_kith

SECRET = TELEGRAM_SECRET
CHAT = 5551234
ANSWERS = [body for body, _ in CONVERSATION]


@pytest.fixture
async def kith(
    migrated_url: str, twilio: TwilioFake, telegram: TelegramFake
) -> AsyncIterator[Running]:
    async with running_kith(migrated_url, twilio, **telegram_settings(telegram)) as running:
        yield running


class Chat:
    """One person writing to the bot in a private chat."""

    def __init__(self, kith: Running, chat_id: int = CHAT, language: str | None = "en") -> None:
        self.kith = kith
        self.chat_id = chat_id
        self.language = language
        self.next_id = 1000 + chat_id % 1000 * 100

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> ClientResponse:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        return await self.kith.client.post("/telegram", json=update, headers=headers)

    async def say(self, text: str) -> None:
        self.next_id += 1
        response = await self.post(update_text(self.next_id, self.chat_id, text, self.language))
        assert response.status == 200, await response.text()
        await self.kith.deliver()

    async def tap(self, data: str) -> None:
        self.next_id += 1
        response = await self.post(update_button(self.next_id, self.chat_id, data))
        assert response.status == 200
        await self.kith.deliver()


async def referral_rows(kith: Running) -> list[Any]:
    return await kith.rows(select(referrals).order_by(referrals.c.id))


async def test_telegram_and_sms_store_the_same_referral(
    kith: Running, telegram: TelegramFake
) -> None:
    await kith.answer(ANSWERS)  # by SMS
    chat = Chat(kith)
    await chat.say(f"/start {SERVICE}")  # the deep link chooses the service
    await chat.say(ANSWERS[1])  # consent
    await chat.tap(ANSWERS[2])  # "Who is this referral for?" answered with a button
    for answer in ANSWERS[3:]:
        await chat.say(answer)
    by_sms, by_telegram = await referral_rows(kith)
    assert (by_sms.channel, by_telegram.channel) == ("sms", "telegram")
    assert by_telegram.address == f"telegram:{CHAT}"
    for column in ("service_id", "answers", "outcome", "reasons", "priority", "first_contact_due"):
        assert getattr(by_telegram, column) == getattr(by_sms, column), column
    assert by_telegram.outcome == "accepted"  # an ordinary Kirklees carer (seed 000)
    texts = telegram.texts_to(CHAT)
    assert texts[-1] == kith.twilio.messages[-1]["body"]  # the same acknowledgement


async def test_choices_come_as_buttons_and_a_tap_is_answered(
    kith: Running, telegram: TelegramFake
) -> None:
    chat = Chat(kith)
    await chat.say(f"/start {SERVICE}")
    await chat.say("yes")
    question = telegram.sent[-1]
    buttons = [row[0] for row in question["reply_markup"]["inline_keyboard"]]
    assert [b["callback_data"] for b in buttons] == ["1", "2", "3"]
    assert all(len(b["text"]) <= 40 for b in buttons)
    await chat.tap("1")
    assert telegram.calls_of("answerCallbackQuery")[-1]["callback_query_id"] == f"cb{chat.next_id}"
    assert "How old are you" in telegram.texts_to(CHAT)[-1]


async def test_a_wrong_or_missing_secret_is_403_and_nothing_is_stored(
    kith: Running, telegram: TelegramFake
) -> None:
    chat = Chat(kith)
    for secret in (None, "wrong-secret", SECRET + "x"):
        response = await chat.post(update_text(1, CHAT, "hello"), secret=secret)
        assert response.status == 403
    for table in ("participants", "outbox", "inbound_messages"):
        assert await kith.count(table) == 0, table


async def test_an_update_telegram_sends_twice_is_handled_once(
    kith: Running, telegram: TelegramFake
) -> None:
    chat = Chat(kith)
    update = update_text(77, CHAT, f"/start {SERVICE}")
    for _ in range(2):
        assert (await chat.post(update)).status == 200
    await kith.deliver()
    assert len(telegram.texts_to(CHAT)) == len(set(telegram.texts_to(CHAT)))
    assert await kith.count("inbound_messages") == 1


async def test_malformed_updates_get_a_clear_4xx_never_a_500(kith: Running) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for body, content_type, status in (
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"update_id": "x"}', "application/json", 400),
        (b'{"update_id": 5, "message": {"chat": 1}}', "application/json", 400),
        (b"update_id=5", "application/x-www-form-urlencoded", 415),
    ):
        response = await kith.client.post(
            "/telegram", data=body, headers={**headers, "Content-Type": content_type}
        )
        assert response.status == status, body
    assert await kith.count("outbox") == 0


async def test_language_code_is_the_first_guess_for_language(
    kith: Running, telegram: TelegramFake
) -> None:
    chat = Chat(kith, language="ur")
    await chat.say(f"/start {SERVICE}")
    welcome = telegram.texts_to(CHAT)[0]
    assert any("\u0600" <= ch <= "\u06ff" for ch in welcome), welcome  # Urdu script


async def test_a_language_code_with_a_region_names_its_language(
    kith: Running, telegram: TelegramFake
) -> None:
    chat = Chat(kith, language="pa-IN")
    await chat.say(f"/start {SERVICE}")
    welcome = telegram.texts_to(CHAT)[0]
    assert any("\u0a00" <= ch <= "\u0a7f" for ch in welcome), welcome  # Gurmukhi


async def test_a_picture_without_words_is_asked_for_words(
    kith: Running, telegram: TelegramFake
) -> None:
    chat = Chat(kith)
    await chat.say(f"/start {SERVICE}")
    await chat.say("yes")
    asked = len(telegram.texts_to(CHAT))
    assert (await chat.post(update_photo(4242, CHAT))).status == 200
    await kith.deliver()
    assert "can't see pictures" in telegram.texts_to(CHAT)[asked]


async def test_a_blocked_bot_fails_for_good_and_the_person_is_unreachable_until_they_write(
    kith: Running, telegram: TelegramFake
) -> None:
    chat = Chat(kith)
    await chat.say(f"/start {SERVICE}")
    telegram.blocked_chats.add(CHAT)
    await chat.say("yes")
    [failed] = await kith.rows(
        select(outbox).where(outbox.c.status == "failed", outbox.c.channel == "telegram")
    )
    assert (failed.error, failed.attempts) == ("blocked", 1)
    [person] = await kith.rows(
        select(participants).where(participants.c.address == f"telegram:{CHAT}")
    )
    assert person.unreachable_at is not None
    # Unblocked: they write again, and Kith answers.
    telegram.blocked_chats.clear()
    await chat.say("1")
    [person] = await kith.rows(
        select(participants).where(participants.c.address == f"telegram:{CHAT}")
    )
    assert person.unreachable_at is None
    assert "How old are you" in telegram.texts_to(CHAT)[-1]


async def test_telegram_retry_after_is_honoured(kith: Running, telegram: TelegramFake) -> None:
    chat = Chat(kith)
    telegram.throttle_next(1, retry_after=40)
    response = await chat.post(update_text(9, CHAT, f"/start {SERVICE}"))
    assert response.status == 200
    await kith.runtime.dispatcher.run_once()
    waiting, *after = await kith.rows(
        select(outbox).where(outbox.c.channel == "telegram").order_by(outbox.c.id)
    )
    assert (waiting.status, waiting.error) == ("queued", "429")
    later = kith.runtime.clock() + timedelta(seconds=39)
    assert waiting.not_before >= later
    assert all(row.status == "queued" and row.not_before >= later for row in after)
    assert telegram.sent == []
