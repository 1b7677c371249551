"""The webhook's front door under hostile input (issue 11, point 1), on SQLite and PostgreSQL.

Real aiohttp server on loopback, real HTTP client, the Twilio fake at the wire. What
must hold: nothing is parsed beyond what the signature needs before it is verified;
a request that is not a UTF-8 form is a 400/415 with no traceback; a correctly signed
message is processed even when it carries what a database column cannot hold (NUL
characters, over-long ids), identically on both databases; an unsigned one is a 403
and stores nothing; never a 5xx.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.storage.tables import participants
from tests.fakes.twilio_fake import TwilioFake, sign
from tests.web.conftest import AUTH_TOKEN
from tests.web.test_sms_webhook import (
    ADDRESS,
    PERSON,
    Running,
    claiming_service,
    inbound_form,
    last_body,
    nothing_stored,
    running_kith,
    status_form,
)

ROUTES = ["/sms/twilio", "/sms/twilio/status"]
FIRST_QUESTION = "Is that OK?"  # the consent question every Kirklees conversation opens with


@pytest.fixture
async def kith(migrated_url: str, twilio: TwilioFake) -> AsyncIterator[Running]:
    """Kith serving with every setting given (as in test_sms_webhook)."""
    async with running_kith(migrated_url, twilio) as running:
        yield running


def no_traceback_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# Unknown charsets: refused before the signature, on both routes


def bogus_requests(form: dict[str, str]) -> list[tuple[str, bytes]]:
    """(Content-Type, body) pairs carrying `form` in a charset no codec knows."""
    urlencoded = "&".join(f"{k}={v}" for k, v in form.items()).encode()
    part = (
        b'--zz\r\nContent-Disposition: form-data; name="Body"\r\n'
        b"Content-Type: text/plain; charset=bogus\r\n\r\nhello\r\n--zz--\r\n"
    )
    return [
        ("application/x-www-form-urlencoded; charset=bogus", urlencoded),
        ("application/x-www-form-urlencoded; charset=utf-7000", urlencoded),
        ("multipart/form-data; boundary=zz", part),
        ("multipart/form-data; boundary=zz; charset=bogus", part),
    ]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("signed", [True, False])
async def test_an_unknown_charset_is_refused_before_the_signature_without_a_traceback(
    kith: Running, caplog: pytest.LogCaptureFixture, route: str, signed: bool
) -> None:
    form = inbound_form("hello") if route == "/sms/twilio" else status_form("SM" + "1" * 32, "sent")
    caplog.set_level(logging.INFO)
    for content_type, body in bogus_requests(form):
        signature = sign(kith.local_url(route), form, AUTH_TOKEN) if signed else "bm90IHNpZ25lZA=="
        response = await kith.client.post(
            route,
            data=body,
            headers={"Content-Type": content_type, "X-Twilio-Signature": signature},
        )
        await response.read()
        assert response.status in (400, 415), (content_type, response.status)
    no_traceback_logged(caplog)
    await nothing_stored(kith)


async def test_no_signature_is_refused_without_reading_the_body(kith: Running) -> None:
    # A body too big to accept would be a 413 if it were read: a 403 shows it was not.
    response = await kith.client.post(
        "/sms/twilio",
        data=io.BytesIO(b"Body=" + b"x" * (1024 * 1024)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    await response.read()
    assert response.status == 403
    await nothing_stored(kith)


# What the database cannot hold, in a correctly signed message


@pytest.mark.parametrize("field", ["Body", "From", "To", "MessageSid", "AccountSid", "ToCity"])
async def test_a_signed_message_with_a_nul_byte_is_processed_without_it(
    kith: Running, twilio: TwilioFake, field: str
) -> None:
    form = inbound_form("hello")
    sid = form["MessageSid"]
    form[field] = form[field][:3] + "\x00" + form[field][3:]
    response = await kith.post_form("/sms/twilio", form)
    assert response.status == 200
    await kith.deliver()
    # The person's conversation started, under their real number.
    assert FIRST_QUESTION in last_body(twilio)
    assert twilio.messages[-1]["to"] == PERSON
    [stored] = await kith.rows("SELECT external_id FROM inbound_messages")
    assert "\x00" not in stored.external_id
    if field == "MessageSid":
        assert stored.external_id.startswith(sid)  # plus a hash of the id as sent
    else:
        assert stored.external_id == sid
    assert await kith.state() is not None
    # Twilio's retry of the same request is the same message: processed once.
    assert (await kith.post_form("/sms/twilio", form)).status == 200
    assert await kith.count("inbound_messages") == 1


async def test_ids_that_differ_only_by_nul_bytes_are_two_messages(
    kith: Running, twilio: TwilioFake
) -> None:
    sid = "SM" + secrets.token_hex(16)
    for body, sent_sid in (("hello", sid[:5] + "\x00" + sid[5:]), ("yes", sid), ("1", "\x00")):
        assert (await kith.post_form("/sms/twilio", inbound_form(body, sid=sent_sid))).status == 200
    assert await kith.count("inbound_messages") == 3
    await kith.deliver()
    assert "How old are you?" in last_body(twilio)  # all three answers counted


@pytest.mark.parametrize("field", ["Body", "From", "MessageSid"])
async def test_an_unsigned_message_with_a_nul_byte_is_a_403_and_stores_nothing(
    kith: Running, field: str
) -> None:
    form = inbound_form("hello")
    form[field] = "\x00" + form[field]
    response = await kith.post_form("/sms/twilio", form, signature="")
    assert response.status == 403
    response = await kith.post_form("/sms/twilio", form, token="not-the-token")
    assert response.status == 403
    await nothing_stored(kith)


async def test_an_over_long_message_sid_is_processed_once(
    kith: Running, twilio: TwilioFake
) -> None:
    long_sid = "SM" + secrets.token_hex(60)  # 122 characters: more than the 80 stored
    form = inbound_form("hello", sid=long_sid)
    assert (await kith.post_form("/sms/twilio", form)).status == 200
    # Twilio's retry of the same message is recognised as the same message.
    assert (await kith.post_form("/sms/twilio", form)).status == 200
    await kith.deliver()
    assert await kith.count("inbound_messages") == 1
    assert [m["body"] for m in twilio.messages].count(last_body(twilio)) == 1
    # Another message whose id differs only after the 80th character is its own message.
    other = long_sid[:100] + ("0" if long_sid[100] != "0" else "1") + long_sid[101:]
    assert (await kith.post_form("/sms/twilio", inbound_form("yes", sid=other))).status == 200
    assert await kith.count("inbound_messages") == 2
    [stored] = await kith.rows("SELECT max(length(external_id)) AS n FROM inbound_messages")
    assert stored.n <= 80
    await kith.deliver()
    assert "Who is this referral for?" in last_body(twilio)


async def test_an_over_long_from_is_one_person_whose_conversation_continues(
    kith: Running,
) -> None:
    sender = "+44" + "7" * 150
    assert (await kith.post_form("/sms/twilio", inbound_form("hello", sender=sender))).status == 200
    assert (await kith.post_form("/sms/twilio", inbound_form("yes", sender=sender))).status == 200
    rows = await kith.rows(select(participants.c.address, participants.c.state))
    assert len(rows) == 1
    assert len(rows[0].address) <= 120
    state = rows[0].state
    assert state["position"] == "referrer"  # consent given: the second message counted
    assert await kith.count("inbound_messages") == 2


@pytest.mark.parametrize(
    "sid", ["SM\x00" + "1" * 32, "SM" + "1" * 200, "\x00"], ids=["nul", "long", "only-nul"]
)
async def test_status_callbacks_with_unstorable_ids_never_fail(kith: Running, sid: str) -> None:
    form = status_form(sid, "delivered\x00", "300\x0003")
    response = await kith.post_form("/sms/twilio/status", form)
    assert response.status in (204, 400), response.status
    response = await kith.post_form("/sms/twilio/status", form, signature="")
    assert response.status == 403


# The webhook URL with Twilio's connection overrides


async def test_a_signature_over_the_url_without_its_fragment_is_accepted(
    migrated_url: str, twilio: TwilioFake
) -> None:
    public = "https://kith.example.org"
    configured = public + "/sms/twilio#rc=3&rp=ct,rt,5xx"  # as documented in the README
    async with running_kith(migrated_url, twilio, KITH_PUBLIC_URL=public) as kith:
        form = inbound_form("hello")
        # Twilio signs the URL it calls, without the fragment.
        twilio_signed = configured.split("#", 1)[0]
        response = await kith.post_form("/sms/twilio", form, signed_url=twilio_signed)
        assert response.status == 200
        # A signature over the URL with the fragment is not Twilio's: refused.
        other = inbound_form("hello")
        response = await kith.post_form("/sms/twilio", other, signed_url=configured)
        assert response.status == 403
        assert await kith.count("inbound_messages") == 1


def test_the_readme_documents_the_webhook_url_with_connection_overrides() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "/sms/twilio#rc=3&rp=ct,rt,5xx" in readme


# sms_numbers as people write them


async def test_a_definition_number_written_nationally_matches_twilios_to(
    migrated_url: str, twilio: TwilioFake, tmp_path: Path
) -> None:
    services = claiming_service(tmp_path / "services", "07700 900222")
    async with running_kith(
        migrated_url, twilio, KITH_DEFAULT_SERVICE=None, KITH_SERVICES_DIR=str(services)
    ) as kith:
        assert kith.runtime.registry.services["test-claimed"].sms_numbers == ("+447700900222",)
        response = await kith.sms("hello", to="+447700900222")
        assert response.status == 200
        rows = await kith.rows("SELECT service_id FROM participants WHERE address = :a", a=ADDRESS)
        assert [r.service_id for r in rows] == ["test-claimed"]


# A 200 means the message is on disk


async def test_sqlite_commits_with_synchronous_full(tmp_path: Path, twilio: TwilioFake) -> None:
    """Issue 11 point 5: a 200 to Twilio means the message survives a power cut too."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'kith.db'}"
    from bot.storage.database import create_engine, upgrade

    engine = create_engine(url)
    await upgrade(engine, url)
    await engine.dispose()
    async with running_kith(url, twilio) as kith:
        assert (await kith.sms("hello")).status == 200
        async with kith.runtime.db.connect() as conn:
            assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 2  # FULL
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        # The connection that commits each message: the database port's writer.
        synchronous = await kith.runtime.database.write(
            lambda store: store.conn.exec_driver_sql("PRAGMA synchronous").scalar()
        )
        assert synchronous == 2


# Health


async def test_healthz_is_503_while_a_background_task_is_stopped(kith: Running) -> None:
    response = await kith.client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["oncall"] == 0

    async def stopped() -> None:
        return None

    task = asyncio.create_task(stopped())
    await task
    kith.runtime.tasks["dispatcher"] = task
    response = await kith.client.get("/healthz")
    assert response.status == 503
    assert (await response.json())["status"] == "dispatcher stopped"
