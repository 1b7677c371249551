"""Twilio SMS: the inbound webhook's form and signature, and sending through the REST API."""

from __future__ import annotations

import base64
import contextvars
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.addresses import address_number, may_text, sms_address
from bot.core.messages import InboundMessage
from bot.core.sending import (
    Outgoing,
    PermanentFailure,
    ProviderUnavailable,
    RetryLater,
    SendResult,
)

TWILIO_API = "https://api.twilio.com"
# Twilio error codes that no retry will fix (unknown, landline, opted out, blocked...).
PERMANENT_ERRORS = {21211, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006, 30007}


class MalformedWebhook(ValueError):
    """The form lacks what every Twilio inbound message has."""


def signature_valid(auth_token: str, url: str, form: Mapping[str, str], signature: str) -> bool:
    """True when `signature` is Twilio's signature of `url` and `form` with `auth_token`."""
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(form), signature))


# What the database columns hold (bot/storage/tables.py): longer values are fitted.
EXTERNAL_ID_MAX = 80
ADDRESS_MAX = 120


def fit(value: str, limit: int) -> str:
    """`value` if it fits in `limit` characters, else a stable shortening of it.

    The shortening keeps a prefix and adds a hash of the whole, so two different long
    values never become one (a retried message still matches itself).
    """
    if len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{value[: limit - 17]}~{digest}"


ID_FIELDS = ("MessageSid", "SmsSid", "SmsMessageSid")


def _without_nul(value: str) -> str:
    return value.replace("\x00", "")


def clean_form(form: Mapping[str, str]) -> dict[str, str]:
    """A verified form without what no database text column can hold (NUL characters).

    An id that held a NUL keeps a hash of the whole, so two ids that differ only by
    their NULs stay two messages (and an id of NULs alone is still an id).
    """
    cleaned = {_without_nul(key): _without_nul(value) for key, value in form.items()}
    for key in ID_FIELDS:
        raw = form.get(key, "")
        if "\x00" in raw:
            digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            cleaned[key] = f"{_without_nul(raw).strip()}~{digest}"
    return cleaned


def parse_inbound(
    form: Mapping[str, str], received_at: datetime, service_for_number: Mapping[str, str]
) -> InboundMessage:
    """A normalised message from Twilio's inbound form (a picture alone gives empty text).

    Call it on a verified, cleaned form: an over-long MessageSid or From is fitted to
    what the database holds, identically on SQLite and PostgreSQL.
    """
    sender = form.get("From", "").strip()
    sid = form.get("MessageSid", "").strip() or form.get("SmsSid", "").strip()
    if not sender or not sid:
        raise MalformedWebhook("From and MessageSid are required")
    return InboundMessage(
        channel="sms",
        address=fit(sms_address(sender), ADDRESS_MAX),
        text=form.get("Body", ""),
        received_at=received_at,
        external_id=fit(sid, EXTERNAL_ID_MAX),
        service_hint=service_for_number.get(form.get("To", "").strip()),
        media=_media_count(form.get("NumMedia", "")),
        opt_out_type=form.get("OptOutType", "").strip().upper() or None,
    )


def _media_count(value: str) -> int:
    """Twilio's NumMedia (0 to 10); anything unreadable counts as none."""
    value = value.strip()
    return int(value) if value.isdigit() and len(value) <= 2 else 0


class _TwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Twilio's own async HTTP client, optionally pointed at another base URL (a loopback fake).

    The credentials go as an Authorization header: aiohttp deprecates the BasicAuth
    object the twilio library would pass (a DeprecationWarning on every send).
    """

    def __init__(self, base_url: str | None = None) -> None:
        super().__init__()
        self.base_url = (base_url or TWILIO_API).rstrip("/")

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the twilio library's signature)
        allow_redirects: bool = False,
    ) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        if auth is not None:
            basic = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers = {**(headers or {}), "Authorization": f"Basic {basic}"}
        response: Response = await super().request(
            method, url, params, data, headers, None, timeout, allow_redirects
        )
        _RETRY_AFTER.set(_seconds(response.headers or {}))
        return response


# The twilio library's exceptions drop response headers; each send runs in its own task,
# so a context variable carries that send's Retry-After from the client to the sender.
_RETRY_AFTER: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "twilio_retry_after", default=None
)


def _seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds (Twilio sends whole seconds), or None."""
    value = str(headers.get("Retry-After", "")).strip()
    return float(value) if value.isdigit() and len(value) <= 6 else None


def _classify(exc: TwilioRestException, retry_after: float | None) -> Exception:
    """What a Twilio refusal means for the message.

    A refused message (400, or a code no retry fixes) fails for good. Wrong credentials
    or a wrong account (401, 403, 404) are Kith's state, not the message's: the provider
    is unavailable until they are mended, and nothing is lost meanwhile. Throttling (429)
    and Twilio's own errors (5xx) are tried again, after Retry-After when given.
    """
    code = str(exc.code or exc.status)
    if exc.code in PERMANENT_ERRORS or exc.status == 400:
        return PermanentFailure(code)
    if exc.status in (401, 403, 404):
        return ProviderUnavailable(code)
    return RetryLater(code, retry_after)


class TwilioSender:
    """Sends SMS with the real twilio client (its async HTTP client, over aiohttp)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str | None,
        messaging_service_sid: str | None,
        api_url: str | None,
        status_callback: str | None = None,
    ) -> None:
        http = _TwilioHttpClient(api_url)
        self.http = http
        self.client = Client(account_sid, auth_token, http_client=http)
        self.sender = sender
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback

    async def send(self, message: Outgoing) -> SendResult:
        """Create the message at Twilio; map its refusals to PermanentFailure."""
        number = address_number(message.address)
        if not may_text(number):
            # UK networks read a text to a landline aloud: never send one.
            raise PermanentFailure("not_mobile")
        options: dict[str, Any] = {"to": number, "body": message.body}
        if self.messaging_service_sid:
            options["messaging_service_sid"] = self.messaging_service_sid
        else:
            options["from_"] = self.sender
        if self.status_callback:
            options["status_callback"] = self.status_callback
        _RETRY_AFTER.set(None)
        try:
            created = await self.client.messages.create_async(**options)
        except TwilioRestException as exc:
            raise _classify(exc, _RETRY_AFTER.get()) from None
        except (OSError, aiohttp.ClientError) as exc:  # no answer: try again later
            raise RetryLater(type(exc).__name__) from None
        return SendResult(provider_ref=created.sid, provider_status=str(created.status))

    async def close(self) -> None:
        """Close the HTTP session."""
        await self.http.close()
