"""Property-based fuzzing of the live webhook (issue 11, "Done when"), on both databases.

Hypothesis generates hostile requests (signed and unsigned forms with NUL bytes,
over-long and odd Unicode values, missing fields, bogus charsets, multipart bodies,
raw bytes, wrong signatures) and sends each over real HTTP to Kith's app served by
aiohttp on loopback, wired as `kith serve` wires it. What must hold for every one:

- never a 5xx;
- a request that is not correctly signed is a 400, 403 or 415 and stores nothing;
- a correctly signed inbound form with From and MessageSid is a 200 (a real message).

Examples per database: KITH_FUZZ_EXAMPLES (default 2,000; the longer run recorded in
docs/benchmarks.md used 100,000 through `bench/fuzz_webhook.sh`).
"""

from __future__ import annotations

import asyncio
import codecs
import http.client
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.runtime import Runtime
from bot.settings import load_settings
from bot.storage.database import create_engine, upgrade
from bot.web.app import create_app
from bot.web.channels import build_channels
from bot.web.state import KITH
from tests.fakes.twilio_fake import sign
from tests.web.conftest import ACCOUNT_SID, AUTH_TOKEN

EXAMPLES = int(os.environ.get("KITH_FUZZ_EXAMPLES", "2000"))
ROUTES = ("/sms/twilio", "/sms/twilio/status")
TABLES = ("participants", "inbound_messages", "outbox", "referrals", "staff_alerts")
TWILIO_FIELDS = (
    "MessageSid",
    "SmsSid",
    "SmsMessageSid",
    "AccountSid",
    "From",
    "To",
    "Body",
    "NumMedia",
    "NumSegments",
    "MessageStatus",
    "ErrorCode",
    "FromCountry",
    "MediaUrl0",
)


class LiveKith:
    """Kith's app on a real loopback port, its event loop in a thread of its own."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self.runtime: Runtime | None = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),))

    async def _run(self) -> None:
        env = {
            "KITH_DATABASE_URL": self.database_url,
            "KITH_DEFAULT_SERVICE": "kirklees-carers-options",
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        }
        self._stop = asyncio.Event()
        settings = load_settings(env, dotenv=Path("/nonexistent"))
        app = create_app(settings, build_channels(settings), background=False)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            runtime = app[KITH].runtime
            assert runtime is not None
            self.runtime = runtime
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            server = site._server
            assert server is not None and server.sockets  # type: ignore[attr-defined]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
            self.ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def __enter__(self) -> LiveKith:
        self.thread.start()
        assert self.ready.wait(30), "the server did not start"
        return self

    def __exit__(self, *_: object) -> None:
        assert self._stop is not None
        self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(30)
        self.loop.close()

    def counts(self) -> tuple[int, ...]:
        """Rows in each of TABLES (one statement, one hop to the server's loop)."""
        query = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in TABLES)

        async def _counts() -> tuple[int, ...]:
            assert self.runtime is not None
            async with self.runtime.db.connect() as conn:
                row = (await conn.execute(text(query))).one()
            return tuple(int(n) for n in row)

        return asyncio.run_coroutine_threadsafe(_counts(), self.loop).result(30)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return int(response.status)
        finally:
            connection.close()


@pytest.fixture
def live(database_url: str) -> Iterator[LiveKith]:
    async def _migrate() -> None:
        engine = create_engine(database_url)
        try:
            await upgrade(engine, database_url)
        finally:
            await engine.dispose()

    asyncio.run(_migrate())
    with LiveKith(database_url) as server:
        yield server


# Hostile values: NUL bytes, over-long ids, every plane of Unicode, numbers at the edges.
values = st.one_of(
    st.text(max_size=40),
    st.text(min_size=81, max_size=120),
    st.sampled_from(
        [
            "",
            "\x00",
            "SM\x00" + "0" * 32,
            "+447700900123",
            "07700 900123",
            "+44" + "7" * 200,
            "x" * 2000,
            "SM" + "f" * 300,
            "9" * 4400,
            "STOP",
            "ＳＴＯＰ",
            "I want to kill myself",
            "\u202eevil",
            "🙂" * 300,
            "%00",
            "a=b&c=d",
        ]
    ),
)
field_names = st.one_of(st.sampled_from(TWILIO_FIELDS), st.text(min_size=1, max_size=20))


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    route = draw(st.sampled_from(ROUTES))
    form: dict[str, str] = {}
    if draw(st.booleans()):  # most of a real Twilio form, for the engine to chew on
        form.update(
            {
                "MessageSid": "SM" + draw(st.text("0123456789abcdef", min_size=32, max_size=32)),
                "AccountSid": ACCOUNT_SID,
                "From": draw(st.sampled_from(["+447700900123", "+447700900456", "+12025550123"])),
                "To": "+447700900000",
                "Body": draw(values),
                "MessageStatus": draw(st.sampled_from(["delivered", "sent", "undelivered"])),
            }
        )
    form.update(draw(st.dictionaries(field_names, values, max_size=4)))
    for key in draw(st.lists(st.sampled_from(TWILIO_FIELDS), max_size=2)):
        form.pop(key, None)
    signing = draw(st.sampled_from(["signed", "unsigned", "wrong_token", "junk", "other"]))
    body = draw(st.sampled_from(["form", "form", "charset", "multipart", "raw", "latin1"]))
    charset = "utf-8"
    if body in ("charset", "multipart"):
        charset = draw(
            st.one_of(
                st.sampled_from(["bogus", "utf-8", "UTF8", "latin-1"]),
                st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12),
            )
        )
    return {
        "route": route,
        "form": form,
        "signing": signing,
        "body": body,
        "charset": charset,
        "raw": draw(st.binary(max_size=300)) if body == "raw" else b"",
        "junk": draw(st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40))
        if signing == "junk"
        else "",
    }


def encode(request: dict[str, Any]) -> tuple[bytes, str]:
    """The body and Content-Type of a drawn request."""
    form: dict[str, str] = request["form"]
    kind = request["body"]
    if kind == "form":
        return urlencode(form).encode(), "application/x-www-form-urlencoded"
    if kind == "charset":
        body = urlencode(form).encode()
        return body, f"application/x-www-form-urlencoded; charset={request['charset']}"
    if kind == "latin1":
        text_body = "&".join(
            quote(k, encoding="latin-1", errors="replace")
            + "="
            + quote(v, encoding="latin-1", errors="replace")
            for k, v in form.items()
        )
        return text_body.encode(), "application/x-www-form-urlencoded"
    if kind == "multipart":
        parts = b"".join(
            b'--zz\r\nContent-Disposition: form-data; name="%s"\r\n'
            b"Content-Type: text/plain; charset=%s\r\n\r\n%s\r\n"
            % (
                k.encode("utf-8", "replace"),
                str(request["charset"]).encode(),
                v.encode("utf-8", "replace"),
            )
            for k, v in form.items()
        )
        return parts + b"--zz--\r\n", "multipart/form-data; boundary=zz"
    return request["raw"], "application/octet-stream"


def carries_the_form_as_utf8(request: dict[str, Any]) -> bool:
    """True when the body is the signed form, urlencoded in UTF-8 (or ASCII) as HTTP says."""
    kind = request["body"]
    if kind == "form":
        return True
    if kind == "charset":
        try:
            return codecs.lookup(request["charset"]).name in ("utf-8", "ascii")
        except LookupError:
            return False
    if kind == "latin1":  # the same bytes as UTF-8 when every character is ASCII
        return all(k.isascii() and v.isascii() for k, v in request["form"].items())
    return False


def check(live: LiveKith, request: dict[str, Any]) -> None:
    route, form, signing = request["route"], request["form"], request["signing"]
    body, content_type = encode(request)
    url = f"http://127.0.0.1:{live.port}{route}"
    signature = {
        "signed": lambda: sign(url, form, AUTH_TOKEN),
        "unsigned": lambda: "",
        "wrong_token": lambda: sign(url, form, "not-the-token"),
        "junk": lambda: request["junk"],
        "other": lambda: sign(url.replace("/sms/twilio", "/sms/other"), form, AUTH_TOKEN),
    }[signing]()
    headers = {"Content-Type": content_type}
    if signature:
        headers["X-Twilio-Signature"] = signature
    properly_signed = signing == "signed" and carries_the_form_as_utf8(request)
    before = live.counts() if not properly_signed else ()
    status = live.post(route, body, headers)
    assert status < 500, (status, request)
    if not properly_signed:
        assert status in (400, 403, 415), (status, request)
        assert live.counts() == before, "an unsigned request stored something"
    elif (
        route == "/sms/twilio"
        and form.get("From", "").replace("\x00", "").strip()
        and (form.get("MessageSid", "").strip() or form.get("SmsSid", "").strip())
    ):
        assert status == 200, (status, request)


def test_hostile_requests_never_5xx_and_unsigned_store_nothing(live: LiveKith) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests())
    def property_holds(request: dict[str, Any]) -> None:
        check(live, request)

    property_holds()
