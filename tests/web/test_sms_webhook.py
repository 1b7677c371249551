"""SMS end to end: signed Twilio webhooks into the real app, replies out to a Twilio fake.

The app runs on loopback (aiohttp's TestServer, a real HTTP client)
with the runtime its own startup opens (`create_app`, as `kith serve` wires it, with
the test stepping the dispatcher). The real twilio client sends through
the outbox dispatcher to a loopback fake at TWILIO_API_URL; nothing is patched.
Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Executable, select, text

from bot.core.records import OutboundRow
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.storage.tables import outbox, participants, referrals
from bot.web.app import create_app
from bot.web.channels import build_channels
from bot.web.state import KITH
from conversations.definition import SHIPPED_SERVICES_DIR
from tests.fakes.twilio_fake import TwilioFake, sign
from tests.web.conftest import ACCOUNT_SID, AUTH_TOKEN

KITH_NUMBER = "+447700900000"
PERSON = "+447700900123"
ADDRESS = "sms:+447700900123"
SERVICE = "kirklees-carers-options"
CLOCK = "2026-03-10T11:00:00+00:00"  # a Tuesday morning, outside any quiet hours
SM_SID = re.compile(r"^SM[0-9a-f]{32}$")

# A whole Kirklees carers conversation, and the question each answer brings next.
CONVERSATION = [
    ("hello", "OK? Reply YES or NO."),
    ("yes", "Who is this referral for?"),
    ("1", "How old are you?"),
    ("45", "unpaid help"),
    ("yes", "Who do you look after?"),
    ("1", "How old is the person you look after?"),
    ("40", "assessed them"),
    ("yes", "What is your postcode?"),
    ("HD1 2AB", "postcode of the person you look after"),
    ("WF13 1AB", "Do any of these apply now?"),
    ("3", "What name should we use"),
    ("Sam", "How should we contact you?"),
    ("2", "When is best to contact you?"),  # phone is fine: so when to call
    ("3", "We will contact you by Friday 13 March."),  # 3 working days (4.11)
]
UP_TO_NAME = 11  # answers before the free-text name question
UP_TO_AGE = 3  # answers before the age (number) question


def env_for(url: str, fake: TwilioFake, **changes: str | None) -> dict[str, str]:
    """The environment `kith serve` would run with; a None value unsets a variable."""
    env: dict[str, str | None] = {
        "KITH_DATABASE_URL": url,
        "KITH_CLOCK": CLOCK,
        "KITH_DEFAULT_SERVICE": SERVICE,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": KITH_NUMBER,
        "TWILIO_API_URL": fake.url,
    }
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


def inbound_form(
    body: str | None,
    sid: str | None = None,
    sender: str | None = PERSON,
    to: str = KITH_NUMBER,
    media: int = 0,
) -> dict[str, str]:
    """The form Twilio posts for an inbound SMS (a None body or sender is left out)."""
    sid = sid or "SM" + secrets.token_hex(16)
    form = {
        "ToCountry": "GB",
        "ToState": "",
        "SmsMessageSid": sid,
        "NumMedia": str(media),
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "FromCountry": "GB",
        "To": to,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
    }
    if body is not None:
        form["Body"] = body
    if sender is not None:
        form["From"] = sender
    for n in range(media):
        form[f"MediaContentType{n}"] = "image/jpeg"
        form[f"MediaUrl{n}"] = (
            f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media/ME{n:032x}"
        )
    return form


@dataclass
class Running:
    """Kith serving on loopback, with the fake Twilio it sends to."""

    runtime: Runtime
    client: TestClient[Any, Any]
    twilio: TwilioFake

    def local_url(self, path: str) -> str:
        """The URL the app is really called at (what Twilio signs without KITH_PUBLIC_URL)."""
        return str(self.client.make_url(path))

    async def post_form(
        self,
        path: str,
        form: dict[str, str],
        signed_url: str | None = None,
        token: str = AUTH_TOKEN,
        signature: str | None = None,
    ) -> ClientResponse:
        """POST `form`, signed over `signed_url` (default: the local URL) unless told."""
        if signature is None:
            signature = sign(signed_url or self.local_url(path), form, token)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        response = await self.client.post(path, data=form, headers=headers)
        await response.read()
        return response

    async def sms(self, body: str | None, **fields: Any) -> ClientResponse:
        """An inbound SMS, signed as Twilio signs it."""
        return await self.post_form("/sms/twilio", inbound_form(body, **fields))

    async def deliver(self) -> int:
        """Run the dispatcher until nothing due is left; how many were tried."""
        return await self.runtime.dispatcher.drain()

    async def rows(self, query: str | Executable, **params: Any) -> list[Any]:
        """Rows of a query (SQL text, or a statement over Kith's tables) on Kith's database."""
        statement = text(query) if isinstance(query, str) else query
        async with self.runtime.db.connect() as conn:
            return list((await conn.execute(statement, params)).all())

    async def count(self, table: str) -> int:
        """Rows in `table`."""
        return int((await self.rows(f"SELECT count(*) FROM {table}"))[0][0])

    async def state(self) -> dict[str, Any] | None:
        """The person's stored conversation state."""
        rows = await self.rows(
            select(participants.c.state).where(participants.c.address == ADDRESS)
        )
        return rows[0].state if rows else None

    async def answer(self, answers: list[str]) -> None:
        """Send `answers` one by one, delivering the replies after each."""
        for body in answers:
            response = await self.sms(body)
            assert response.status == 200
            await self.deliver()


@asynccontextmanager
async def running_kith(url: str, fake: TwilioFake, **changes: str | None) -> AsyncIterator[Running]:
    """Kith's app and dispatcher, wired by `kith serve`'s own code, on loopback."""
    settings = load_settings(env_for(url, fake, **changes), dotenv=Path("/nonexistent"))
    # The routes and the runtime as `kith serve` wires them; the test steps the dispatcher.
    app = create_app(settings, build_channels(settings), background=False)
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        runtime = app[KITH].runtime
        assert runtime is not None
        yield Running(runtime, client, fake)
    finally:
        await client.close()


@pytest.fixture
async def kith(migrated_url: str, twilio: TwilioFake) -> AsyncIterator[Running]:
    """Kith serving with every setting given and KITH_DEFAULT_SERVICE set."""
    async with running_kith(migrated_url, twilio) as running:
        yield running


async def nothing_stored(kith: Running) -> None:
    for table in ("participants", "outbox", "inbound_messages", "referrals"):
        assert await kith.count(table) == 0, table


def last_body(twilio: TwilioFake) -> str:
    return str(twilio.messages[-1]["body"])


# A whole conversation


async def test_whole_kirklees_conversation_by_signed_sms(kith: Running, twilio: TwilioFake) -> None:
    for body, next_question in CONVERSATION:
        before = len(twilio.messages)
        response = await kith.sms(body)
        assert response.status == 200
        assert response.content_type == "text/xml"
        assert "<Response/>" in await response.text()
        await kith.deliver()
        assert len(twilio.messages) > before, body
        replies = [m["body"] for m in twilio.messages[before:]]
        # The next question (after the acknowledgement, optional questions follow).
        assert any(next_question in reply for reply in replies), (body, replies)

    referrals = await kith.rows("SELECT service_id, channel, address, outcome FROM referrals")
    assert [tuple(r) for r in referrals] == [(SERVICE, "sms", ADDRESS, "accepted")]

    rows = await kith.rows(
        "SELECT body, status, provider_ref, provider_status, address, channel "
        "FROM outbox ORDER BY id"
    )
    assert rows and all(r.status == "sent" for r in rows)
    assert all(r.address == ADDRESS and r.channel == "sms" for r in rows)
    # Delivered in the order they were queued, each under the sid Twilio gave it.
    assert [m["body"] for m in twilio.messages] == [r.body for r in rows]
    assert [m["sid"] for m in twilio.messages] == [r.provider_ref for r in rows]
    assert all(SM_SID.match(r.provider_ref) for r in rows)
    assert all(r.provider_status == "queued" for r in rows)
    assert all(m["to"] == PERSON and m["from"] == KITH_NUMBER for m in twilio.messages)
    assert twilio.messages[0]["body"].startswith("Carers Options:")
    # The real client's requests: authenticated, Twilio's form fields, no callback
    # without a public URL to call back.
    for request in twilio.requests:
        assert request.authorized
        assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        assert request.form["To"] == PERSON
        assert request.form["From"] == KITH_NUMBER
        assert "StatusCallback" not in request.form
    assert await kith.count("inbound_messages") == len(CONVERSATION)


async def test_a_messaging_service_sends_without_a_from_number(
    migrated_url: str, twilio: TwilioFake
) -> None:
    service_sid = "MG" + "fedcba9876543210" * 2
    async with running_kith(
        migrated_url, twilio, TWILIO_FROM=None, TWILIO_MESSAGING_SERVICE_SID=service_sid
    ) as kith:
        await kith.answer(["hello"])
        assert twilio.requests
        for request in twilio.requests:
            assert request.form["MessagingServiceSid"] == service_sid
            assert "From" not in request.form
        rows = await kith.rows("SELECT status, provider_status FROM outbox")
        assert {(r.status, r.provider_status) for r in rows} == {("sent", "accepted")}


# Signatures


async def test_signature_is_checked_against_the_public_url(
    migrated_url: str, twilio: TwilioFake
) -> None:
    public = "https://kith.example.org"
    async with running_kith(migrated_url, twilio, KITH_PUBLIC_URL=public) as kith:
        form = inbound_form("hello")
        local = await kith.post_form("/sms/twilio", form)
        assert local.status == 403
        await nothing_stored(kith)

        accepted = await kith.post_form("/sms/twilio", form, signed_url=public + "/sms/twilio")
        assert accepted.status == 200
        await kith.deliver()
        assert "OK? Reply YES or NO." in last_body(twilio)
        # The refused request did not use up the MessageSid.
        assert await kith.count("inbound_messages") == 1
        # With a public URL, Twilio is asked to call back with delivery status.
        assert {r.form.get("StatusCallback") for r in twilio.requests} == {
            public + "/sms/twilio/status"
        }


async def test_missing_signature_is_refused_and_nothing_is_stored(
    kith: Running, twilio: TwilioFake
) -> None:
    response = await kith.post_form("/sms/twilio", inbound_form("hello"), signature="")
    assert response.status == 403
    await nothing_stored(kith)
    assert await kith.deliver() == 0
    assert twilio.requests == []


@pytest.mark.parametrize("how", ["wrong_token", "tampered_body", "other_path", "junk"])
async def test_wrong_signature_is_refused(kith: Running, twilio: TwilioFake, how: str) -> None:
    form = inbound_form("hello")
    if how == "wrong_token":
        response = await kith.post_form("/sms/twilio", form, token="not-the-token")
    elif how == "tampered_body":
        signature = sign(kith.local_url("/sms/twilio"), form, AUTH_TOKEN)
        response = await kith.post_form(
            "/sms/twilio", {**form, "Body": "something else"}, signature=signature
        )
    elif how == "other_path":
        response = await kith.post_form(
            "/sms/twilio", form, signed_url=kith.local_url("/sms/twilio/status")
        )
    else:
        response = await kith.post_form("/sms/twilio", form, signature="bm90IGEgc2lnbmF0dXJl")
    assert response.status == 403
    await nothing_stored(kith)


# Bad input: never 5xx, nothing stored that should not be, nothing lost


async def test_empty_body_gets_the_first_reply_then_a_polite_reask(
    kith: Running, twilio: TwilioFake
) -> None:
    response = await kith.sms("")
    assert response.status == 200
    await kith.deliver()
    assert twilio.messages[0]["body"].startswith("Carers Options:")
    assert "OK? Reply YES or NO." in last_body(twilio)

    await kith.answer(["yes"])
    response = await kith.sms("")
    assert response.status == 200
    await kith.deliver()
    # The re-ask of a choice gives the options again, numbered.
    assert last_body(twilio).startswith("Sorry, please reply with one number:\n1 ")
    assert (await kith.state() or {})["position"] == "referrer"


async def test_a_picture_without_text_is_asked_for_in_words(
    kith: Running, twilio: TwilioFake
) -> None:
    await kith.answer([body for body, _ in CONVERSATION[:UP_TO_AGE]])
    before = await kith.state()
    sent = len(twilio.messages)
    response = await kith.sms(None, media=1)
    assert response.status == 200
    await kith.deliver()
    assert [m["body"] for m in twilio.messages[sent:]] == [
        "We can't see pictures. Please reply in words.",
        "How old are you?",
    ]
    assert await kith.state() == before  # not counted as a wrong answer
    # The picture's URL is kept nowhere.
    rows = await kith.rows("SELECT body FROM outbox")
    assert not any("Media" in r.body for r in rows)


async def test_a_2000_character_body_gets_a_bit_long_reask_and_keeps_the_answers(
    kith: Running, twilio: TwilioFake
) -> None:
    essay = ("I look after my brother and it is a long story. " * 42)[:2000]
    assert len(essay) == 2000
    await kith.answer([body for body, _ in CONVERSATION[:UP_TO_NAME]])
    before = await kith.state()
    assert before is not None and before["position"] == "first_name"
    assert before["answers"]["postcode"] == "HD1 2AB"

    response = await kith.sms(essay)
    assert response.status == 200
    await kith.deliver()
    # The name is optional, so the re-ask says it may be skipped.
    assert last_body(twilio) == (
        "Sorry, that is a bit long. Please use 1,600 characters or fewer.\nOr reply SKIP."
    )
    after = await kith.state()
    assert after is not None
    assert after["answers"] == before["answers"]
    assert after["position"] == "first_name"

    # The conversation carries on to a referral with every earlier answer.
    await kith.answer([body for body, _ in CONVERSATION[UP_TO_NAME:]])
    rows = await kith.rows("SELECT outcome FROM referrals")
    assert [r.outcome for r in rows] == ["accepted"]


async def test_a_2000_character_body_at_a_number_question_is_reasked(
    kith: Running, twilio: TwilioFake
) -> None:
    await kith.answer([body for body, _ in CONVERSATION[:UP_TO_AGE]])
    before = await kith.state()
    response = await kith.sms("x" * 2000)
    assert response.status == 200
    await kith.deliver()
    assert last_body(twilio) == "Sorry, please reply with a number, for example 45."
    after = await kith.state()
    assert after is not None and before is not None
    assert after["answers"] == before["answers"]
    assert after["position"] == "age"


async def test_emoji_only_is_reasked(kith: Running, twilio: TwilioFake) -> None:
    await kith.answer([body for body, _ in CONVERSATION[:UP_TO_AGE]])
    response = await kith.sms("😀😀")
    assert response.status == 200
    await kith.deliver()
    assert last_body(twilio) == "Sorry, please reply with a number, for example 45."
    assert (await kith.state() or {})["position"] == "age"


async def test_sql_looking_text_is_only_text(kith: Running, twilio: TwilioFake) -> None:
    name = "'; DROP TABLE referrals; --"
    await kith.answer([body for body, _ in CONVERSATION[:UP_TO_NAME]])
    response = await kith.sms(name)
    assert response.status == 200
    await kith.deliver()
    assert "How should we contact you?" in last_body(twilio)
    assert await kith.count("referrals") == 0  # the table is still there

    await kith.answer(["1"])  # text only: no call time is asked
    rows = await kith.rows(select(referrals.c.answers, referrals.c.outcome))
    assert len(rows) == 1
    assert rows[0].answers["first_name"] == name
    assert rows[0].outcome == "accepted"


async def test_the_same_message_sid_twice_is_processed_once(
    kith: Running, twilio: TwilioFake
) -> None:
    form = inbound_form("hello")
    first = await kith.post_form("/sms/twilio", form)
    again = await kith.post_form("/sms/twilio", form)
    assert (first.status, again.status) == (200, 200)
    await kith.deliver()
    assert await kith.count("inbound_messages") == 1
    queued = await kith.count("outbox")
    assert queued == 2  # the welcome and the consent question, once
    assert len(twilio.messages) == queued

    # A retry that arrives after the next answer changes nothing either.
    await kith.answer(["yes"])
    again = await kith.post_form("/sms/twilio", form)
    assert again.status == 200
    await kith.deliver()
    assert await kith.count("outbox") == queued + 1
    assert (await kith.state() or {})["position"] == "referrer"


def claiming_service(folder: Path, claimed: str) -> Path:
    """A services folder adding a service (a copy of Kirklees carers) that claims a number."""
    folder.mkdir()
    source = (SHIPPED_SERVICES_DIR / f"{SERVICE}.yaml").read_text(encoding="utf-8")
    copy = source.replace(f"id: {SERVICE}", "id: test-claimed", 1)
    copy = re.sub(r"(?m)^short_name: .*$", "short_name: Test Claimed", copy, count=1)
    copy = copy.replace("sms_numbers: []", f'sms_numbers: ["{claimed}"]', 1)
    assert copy.count("test-claimed") == 1 and claimed in copy
    (folder / "test-claimed.yaml").write_text(copy, encoding="utf-8")
    return folder


async def test_an_unclaimed_to_number_with_no_default_gets_the_service_menu(
    migrated_url: str, twilio: TwilioFake, tmp_path: Path
) -> None:
    claimed = "+447700900222"
    services = claiming_service(tmp_path / "services", claimed)
    async with running_kith(
        migrated_url, twilio, KITH_DEFAULT_SERVICE=None, KITH_SERVICES_DIR=str(services)
    ) as kith:
        enabled = kith.runtime.registry.enabled()
        assert len(enabled) >= 6  # the shipped five and the one added
        response = await kith.sms("hello", to="+447700900999")
        assert response.status == 200
        assert "<Response/>" in await response.text()
        await kith.deliver()
        menu = last_body(twilio)
        assert menu.startswith("Which service is your message for?")
        assert twilio.messages[-1]["to"] == PERSON
        [number] = [
            line.split(" ", 1)[0] for line in menu.splitlines() if line.endswith(" Carers Options")
        ]

        # The answer chooses the service, whatever the To, and its conversation starts.
        response = await kith.sms(number, to="+447700900999")
        assert response.status == 200
        await kith.deliver()
        assert "OK? Reply YES or NO." in last_body(twilio)
        rows = await kith.rows("SELECT service_id FROM participants WHERE address = :a", a=ADDRESS)
        assert [r.service_id for r in rows] == [SERVICE]

        # A number a definition claims chooses that service with no menu.
        other = "+447700900456"
        response = await kith.sms("hello", sender=other, to=claimed)
        assert response.status == 200
        await kith.deliver()
        assert twilio.bodies_to(other)[-1].endswith("OK? Reply YES or NO.")
        rows = await kith.rows(
            "SELECT service_id FROM participants WHERE address = :a", a=f"sms:{other}"
        )
        assert [r.service_id for r in rows] == ["test-claimed"]


async def test_a_signed_form_without_from_is_a_400(kith: Running) -> None:
    response = await kith.post_form("/sms/twilio", inbound_form("hello", sender=None))
    assert response.status == 400
    form = inbound_form("hello")
    for key in ("MessageSid", "SmsSid", "SmsMessageSid"):
        del form[key]
    response = await kith.post_form("/sms/twilio", form)
    assert response.status == 400
    await nothing_stored(kith)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"From": "+447700900123", "Body": "hello"}'),
        ("application/x-www-form-urlencoded", b"\xff\xfe\x00\x01=\xc3\x28&Body=%ff"),
        ("multipart/form-data", b"--x\r\ngarbage\r\n"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: nonsense\r\n\r\n"),
        ("text/plain", bytes(range(256))),
        ("", b""),
    ],
)
@pytest.mark.parametrize("signature", ["garbage", "signed-empty-form"])
async def test_garbage_bodies_are_refused_without_a_server_error(
    kith: Running, content_type: str, body: bytes, signature: str
) -> None:
    url = kith.local_url("/sms/twilio")
    header = sign(url, {}, AUTH_TOKEN) if signature == "signed-empty-form" else "garbage"
    headers = {"X-Twilio-Signature": header}
    if content_type:
        headers["Content-Type"] = content_type
    response = await kith.client.post("/sms/twilio", data=body, headers=headers)
    await response.read()
    assert response.status in (400, 403, 415), response.status
    await nothing_stored(kith)


# Twilio's status callback


async def sent_row(kith: Running) -> Any:
    await kith.answer(["hello"])
    rows = await kith.rows(
        "SELECT id, provider_ref FROM outbox WHERE status = 'sent' ORDER BY id LIMIT 1"
    )
    assert rows
    return rows[0]


def status_form(sid: str, status: str, error: str | None = None) -> dict[str, str]:
    form = {
        "SmsSid": sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": PERSON,
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": KITH_NUMBER,
        "ApiVersion": "2010-04-01",
    }
    if error is not None:
        form["ErrorCode"] = error
    return form


async def test_a_delivered_callback_marks_the_row_delivered(kith: Running) -> None:
    row = await sent_row(kith)
    response = await kith.post_form(
        "/sms/twilio/status", status_form(row.provider_ref, "delivered")
    )
    assert 200 <= response.status < 300
    [stored] = await kith.rows(
        "SELECT status, provider_status, error FROM outbox WHERE id = :id", id=row.id
    )
    assert (stored.status, stored.provider_status, stored.error) == (
        "delivered",
        "delivered",
        None,
    )


async def test_an_undelivered_callback_is_stored_as_failed_with_twilios_code(
    kith: Running,
) -> None:
    row = await sent_row(kith)
    response = await kith.post_form(
        "/sms/twilio/status", status_form(row.provider_ref, "undelivered", "30003")
    )
    assert 200 <= response.status < 300
    [stored] = await kith.rows(
        "SELECT status, provider_status, error FROM outbox WHERE id = :id", id=row.id
    )
    assert (stored.status, stored.provider_status, stored.error) == (
        "failed",
        "undelivered",
        "30003",
    )


@pytest.mark.parametrize(("final", "error"), [("delivered", None), ("undelivered", "30003")])
async def test_a_late_sent_callback_does_not_undo_a_final_status(
    kith: Running, final: str, error: str | None
) -> None:
    row = await sent_row(kith)
    for status, code in ((final, error), ("sent", None)):  # Twilio may send them out of order
        response = await kith.post_form(
            "/sms/twilio/status", status_form(row.provider_ref, status, code)
        )
        assert 200 <= response.status < 300
    [stored] = await kith.rows(
        "SELECT status, provider_status, error FROM outbox WHERE id = :id", id=row.id
    )
    expected = (
        ("delivered", "delivered", None)
        if final == "delivered"
        else (
            "failed",
            "undelivered",
            "30003",
        )
    )
    assert (stored.status, stored.provider_status, stored.error) == expected


async def test_an_unsigned_status_callback_is_refused(kith: Running) -> None:
    row = await sent_row(kith)
    form = status_form(row.provider_ref, "delivered")
    response = await kith.post_form("/sms/twilio/status", form, signature="")
    assert response.status == 403
    response = await kith.post_form("/sms/twilio/status", form, token="not-the-token")
    assert response.status == 403
    [stored] = await kith.rows("SELECT status FROM outbox WHERE id = :id", id=row.id)
    assert stored.status == "sent"


async def test_a_status_callback_for_an_unknown_sid_is_harmless(kith: Running) -> None:
    row = await sent_row(kith)
    response = await kith.post_form("/sms/twilio/status", status_form("SM" + "0" * 32, "delivered"))
    assert 200 <= response.status < 300
    [stored] = await kith.rows("SELECT status FROM outbox WHERE id = :id", id=row.id)
    assert stored.status == "sent"


# Health


async def test_healthz(kith: Running) -> None:
    response = await kith.client.get("/healthz")
    assert response.status == 200
    assert response.content_type == "application/json"
    body = await response.json()
    assert body["status"] == "ok"


# The dispatcher against the fake


async def queue_one(kith: Running, body: str, kind: str = "reply", urgent: bool = True) -> int:
    now = kith.runtime.clock()
    row = OutboundRow(
        "sms",
        ADDRESS,
        body,
        kind,
        "urgent" if urgent else "normal",
        SERVICE,
        now,
        quiet_exempt=urgent,
    )
    [outbox_id] = await kith.runtime.database.write(lambda store: store.queue([row], now))
    return outbox_id


async def outbox_row(kith: Running, outbox_id: int) -> Any:
    [row] = await kith.rows(select(outbox).where(outbox.c.id == outbox_id))
    return row


async def make_due(kith: Running, outbox_id: int) -> None:
    async with kith.runtime.db.begin() as conn:
        await conn.execute(
            text("UPDATE outbox SET not_before = :t WHERE id = :id"),
            {"t": kith.runtime.clock() - timedelta(hours=1), "id": outbox_id},
        )


@pytest.mark.parametrize("failure", ["server_error", "throttled"])
async def test_a_failed_send_goes_back_to_the_queue_and_is_sent_later(
    kith: Running, twilio: TwilioFake, failure: str
) -> None:
    outbox_id = await queue_one(kith, "Your call is at 2pm tomorrow.")
    if failure == "server_error":
        twilio.fail_next(1)
    else:
        twilio.throttle_next(1, retry_after=30)
    assert await kith.runtime.dispatcher.run_once() == 1
    row = await outbox_row(kith, outbox_id)
    assert (row.status, row.attempts, row.provider_ref) == ("queued", 1, None)
    assert row.not_before > kith.runtime.clock()
    assert twilio.messages == []

    assert await kith.runtime.dispatcher.run_once() == 0  # not due yet
    await make_due(kith, outbox_id)
    assert await kith.runtime.dispatcher.run_once() == 1
    row = await outbox_row(kith, outbox_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert [m["sid"] for m in twilio.messages] == [row.provider_ref]
    assert [m["body"] for m in twilio.messages] == ["Your call is at 2pm tomorrow."]
    assert len(twilio.requests) == 2


async def test_a_retried_message_is_not_overtaken_by_the_next_one_to_the_same_person(
    kith: Running, twilio: TwilioFake
) -> None:
    first = await queue_one(kith, "First: welcome.")
    second = await queue_one(kith, "Second: the question.")
    twilio.fail_next(1)
    assert await kith.runtime.dispatcher.run_once() == 1  # one in flight per person
    rows = [await outbox_row(kith, first), await outbox_row(kith, second)]
    assert [(r.status, r.attempts) for r in rows] == [("queued", 1), ("queued", 0)]
    assert rows[1].not_before >= rows[0].not_before > kith.runtime.clock()
    assert await kith.runtime.dispatcher.drain() == 0  # the second waits behind the first
    assert twilio.messages == []
    for outbox_id in (first, second):
        await make_due(kith, outbox_id)
    assert await kith.runtime.dispatcher.drain() == 2
    assert [m["body"] for m in twilio.messages] == ["First: welcome.", "Second: the question."]


async def test_kith_never_texts_a_landline(kith: Running, twilio: TwilioFake) -> None:
    now = kith.runtime.clock()
    row = OutboundRow("sms", "sms:+441484221000", "Hello", "reply", "urgent", SERVICE, now)
    [outbox_id] = await kith.runtime.database.write(lambda store: store.queue([row], now))
    assert await kith.runtime.dispatcher.run_once() == 1
    row = await outbox_row(kith, outbox_id)
    assert (row.status, row.error) == ("failed", "not_mobile")
    assert twilio.requests == []


async def test_wrong_credentials_are_retried_not_failed_for_good(
    kith: Running, twilio: TwilioFake
) -> None:
    outbox_id = await queue_one(kith, "Kept until the credentials are mended.")
    twilio.auth_token = "not-the-token-kith-has"
    assert await kith.runtime.dispatcher.run_once() == 1
    row = await outbox_row(kith, outbox_id)
    assert row.status == "queued"


async def test_an_invalid_number_fails_for_good_and_is_never_retried(
    kith: Running, twilio: TwilioFake
) -> None:
    outbox_id = await queue_one(kith, "Your call is at 2pm tomorrow.")
    twilio.reject_next(code=21211)
    assert await kith.runtime.dispatcher.run_once() == 1
    row = await outbox_row(kith, outbox_id)
    assert (row.status, row.error, row.attempts) == ("failed", "21211", 1)

    await make_due(kith, outbox_id)
    assert await kith.runtime.dispatcher.run_once() == 0
    assert len(twilio.requests) == 1
    assert twilio.messages == []


async def test_after_stop_a_queued_message_is_cancelled_not_sent(
    kith: Running, twilio: TwilioFake
) -> None:
    await kith.answer(["hello", "STOP"])
    [participant] = await kith.rows(
        "SELECT opted_out FROM participants WHERE address = :a", a=ADDRESS
    )
    assert participant.opted_out
    confirmation = await kith.rows("SELECT status FROM outbox WHERE kind = 'opt_out'")
    assert [r.status for r in confirmation] == ["sent"]  # the opt-out reply itself goes
    sent_before = len(twilio.messages)

    outbox_id = await queue_one(kith, "Reminder: your call is tomorrow.", "reminder", False)
    await kith.deliver()
    row = await outbox_row(kith, outbox_id)
    assert (row.status, row.error) == ("cancelled", "opted_out")
    assert len(twilio.messages) == sent_before
    assert "Reminder: your call is tomorrow." not in [m["body"] for m in twilio.messages]


# Logs


async def test_the_twilio_client_logs_no_message_text_or_number(
    kith: Running, twilio: TwilioFake, caplog: pytest.LogCaptureFixture
) -> None:
    twilio_logger = logging.getLogger("twilio")
    previous = twilio_logger.level
    twilio_logger.setLevel(logging.WARNING)  # as `kith` sets it in bot.cli.main
    caplog.set_level(logging.INFO)
    try:
        await kith.answer(["hello", "yes", "1", "45"])
        await kith.answer(["Hello, I look after my brother Sam"])  # a text worth keeping private
    finally:
        twilio_logger.setLevel(previous)
    assert twilio.messages
    secrets_seen = [m["body"] for m in twilio.messages] + [
        PERSON,
        "447700900123",
        "Hello, I look after my brother Sam",
    ]
    for record in caplog.records:
        logged = record.getMessage() + " " + " ".join(map(str, vars(record).values()))
        for secret in secrets_seen:
            assert secret not in logged, (record.name, record.getMessage())
    assert not [r for r in caplog.records if r.name.startswith("twilio")]
