"""A loopback stand-in for Twilio's REST API, speaking its real wire format.

Only what Kith uses: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with
HTTP Basic auth (account sid and auth token) and the form fields `To`, `From` or
`MessagingServiceSid`, `Body` and `StatusCallback`. It answers 201 with Twilio's JSON
message resource, records every request, and can be told to fail the next requests
(500, 429 with Retry-After, or a 400 with Twilio's error JSON).

The real twilio client talks to it through `TWILIO_API_URL`; nothing is patched.
`sign` computes the `X-Twilio-Signature` Twilio puts on its webhooks.
"""

from __future__ import annotations

import asyncio
import base64
import math
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from types import TracebackType
from typing import Any

from aiohttp import web
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"

# GSM 03.38 basic set and its extension (extension characters take two septets).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")


def sign(url: str, params: Mapping[str, str], token: str) -> str:
    """The `X-Twilio-Signature` Twilio would send for a form POST of `params` to `url`."""
    return str(RequestValidator(token).compute_signature(url, dict(params)))


def num_segments(body: str) -> int:
    """How many SMS segments Twilio would bill for `body` (GSM-7 or UCS-2)."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in body):
        septets = sum(2 if ch in GSM_EXTENSION else 1 for ch in body)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def twilio_error(status: int, code: int, message: str) -> web.Response:
    """Twilio's error body: code, message, more_info and status."""
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received, as it arrived."""

    method: str
    path: str
    form: dict[str, str]
    auth_user: str | None
    authorized: bool
    status: int  # what the fake answered
    at: float = field(default_factory=time.monotonic)  # when it was answered


@dataclass
class _Failure:
    status: int
    code: int
    message: str
    retry_after: int | None = None


@dataclass
class TwilioFake:
    """Twilio's Messages API on 127.0.0.1; `url` is the base for TWILIO_API_URL."""

    account_sid: str
    auth_token: str
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    url: str = ""
    delay: float = 0.0  # seconds each message request takes (a slow provider)

    async def start(self) -> str:
        """Listen on a free loopback port; returns the base URL."""
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create_message)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TwilioFake:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # What the next requests should meet.

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next `count` message requests with a server error."""
        for _ in range(count):
            self._failures.append(_Failure(status, 20500, "Internal Server Error"))

    def throttle_next(self, count: int = 1, retry_after: int = 1) -> None:
        """Answer the next `count` message requests with 429 Too Many Requests."""
        for _ in range(count):
            self._failures.append(_Failure(429, 20429, "Too Many Requests", retry_after))

    def reject_next(
        self,
        count: int = 1,
        code: int = 21211,
        message: str = "The 'To' number is not a valid phone number.",
    ) -> None:
        """Answer the next `count` message requests with 400 and Twilio's error `code`."""
        for _ in range(count):
            self._failures.append(_Failure(400, code, message))

    # What was sent.

    def sent(self) -> list[dict[str, Any]]:
        """The message resources created so far, in order."""
        return list(self.messages)

    def bodies_to(self, number: str) -> list[str]:
        """Bodies of the messages created for `number`, in order."""
        return [m["body"] for m in self.messages if m["to"] == number]

    # Handlers.

    def _auth(self, request: web.Request) -> tuple[str | None, bool]:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None, False
        try:
            login, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, False
        return login, login == self.account_sid and password == self.auth_token

    async def _not_found(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        user, authorized = self._auth(request)
        self.requests.append(
            RecordedRequest(request.method, request.path, form, user, authorized, 404)
        )
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")

    async def _create_message(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        if self.delay:
            await asyncio.sleep(self.delay)
        user, authorized = self._auth(request)
        response = self._answer(request, form, authorized)
        self.requests.append(
            RecordedRequest(request.method, request.path, form, user, authorized, response.status)
        )
        return response

    def _answer(self, request: web.Request, form: dict[str, str], authorized: bool) -> web.Response:
        path_sid = request.match_info["sid"]
        if not authorized:
            response = twilio_error(401, 20003, "Authenticate")
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response
        if path_sid != self.account_sid:
            return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        if self._failures:
            failure = self._failures.pop(0)
            response = twilio_error(failure.status, failure.code, failure.message)
            if failure.retry_after is not None:
                response.headers["Retry-After"] = str(failure.retry_after)
            return response
        if not form.get("To"):
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body") and not form.get("MediaUrl"):
            return twilio_error(400, 21602, "Message body is required.")
        resource = self._resource(form)
        self.messages.append(resource)
        return web.json_response(resource, status=201)

    def _resource(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC), usegmt=True)
        service = form.get("MessagingServiceSid")
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": None if service else form.get("From"),
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": str(num_segments(form.get("Body", ""))),
            "price": None,
            "price_unit": "GBP",
            "sid": sid,
            "status": "accepted" if service else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": form["To"],
            "uri": f"{uri}.json",
        }
