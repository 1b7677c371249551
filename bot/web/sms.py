"""The SMS channel (Twilio): `POST /sms/twilio` and its status callback `/sms/twilio/status`.

The front door: a request is refused as early and as cheaply as possible (no
signature header: 403 before the body is read; not a UTF-8 form: 415; not a form:
400), the form is parsed only as far as the signature needs, and nothing is stored
before the signature is verified.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Sequence
from urllib.parse import parse_qsl

from aiohttp import web

from bot.channels.sms_twilio import (
    EXTERNAL_ID_MAX,
    MalformedWebhook,
    TwilioSender,
    clean_form,
    parse_inbound,
    signature_valid,
)
from bot.core.sending import Sender
from bot.inbound import UnknownService
from bot.runtime import Runtime
from bot.settings import Settings
from bot.web.state import runtime_of

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 200  # Twilio's inbound form has about 20; a picture message a few more


def _twiml(status: int = 200) -> web.Response:
    return web.Response(status=status, text=EMPTY_TWIML, content_type="text/xml")


def _checked_url(request: web.Request, runtime: Runtime) -> str:
    """The URL Twilio signed: KITH_PUBLIC_URL + path when set, else what we were called at.

    Twilio signs the URL without its fragment (the `#rc=3&rp=ct,rt,5xx` connection
    overrides): a fragment never reaches the server, so neither URL has one.
    """
    if runtime.settings.public_url:
        return runtime.settings.public_url + request.path_qs
    return str(request.url.with_fragment(None))


class Refused(Exception):
    """The request is refused before anything is stored: its status and a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def _read_form(request: web.Request) -> dict[str, str]:
    """The urlencoded form, parsed no further than the signature needs (Refused if not one)."""
    if request.content_type != FORM_TYPE:
        raise Refused(415, f"expected {FORM_TYPE}")
    charset = request.charset or "utf-8"
    try:
        known = codecs.lookup(charset).name
    except LookupError:
        raise Refused(415, "unknown charset") from None
    if known not in ("utf-8", "ascii"):
        raise Refused(415, "the form must be UTF-8")
    body = await request.read()
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "not a UTF-8 form") from None
    return dict(pairs)


async def _verified_form(request: web.Request) -> dict[str, str]:
    """The signed form, cleaned of what no database can hold; Refused when not signed."""
    runtime = runtime_of(request)
    token = runtime.settings.twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        raise Refused(403, "invalid signature")  # before reading a byte of the body
    form = await _read_form(request)
    if not signature_valid(token, _checked_url(request, runtime), form, signature):
        raise Refused(403, "invalid signature")
    return clean_form(form)


async def sms_inbound(request: web.Request) -> web.Response:
    """Twilio's inbound SMS webhook: verify, store the step, queue replies, answer TwiML."""
    runtime = runtime_of(request)
    try:
        form = await _verified_form(request)
    except Refused as refused:
        log.warning(
            "twilio webhook refused", extra={"status": refused.status, "reason": refused.reason}
        )
        return web.Response(status=refused.status, text=refused.reason)
    numbers = {number: s.id for s in runtime.registry.enabled() for number in s.sms_numbers}
    try:
        message = parse_inbound(form, runtime.clock(), numbers)
    except MalformedWebhook:
        return _twiml(400)
    try:
        await runtime.handler.handle(message)
    except UnknownService:
        log.warning("sms for no service: set KITH_DEFAULT_SERVICE or sms_numbers")
    return _twiml()


TWILIO_FAILED = {"failed", "undelivered"}


async def sms_status(request: web.Request) -> web.Response:
    """Twilio's status callback: record delivered or failed against the outbox row."""
    runtime = runtime_of(request)
    try:
        form = await _verified_form(request)
    except Refused as refused:
        return web.Response(status=refused.status, text=refused.reason)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        return web.Response(status=400, text="MessageSid and MessageStatus are required")
    if len(sid) > EXTERNAL_ID_MAX:
        return web.Response(status=204)  # no message Kith sent has such an id
    values: dict[str, object] = {"provider_status": status[:40]}
    if status == "delivered":
        values["status"] = "delivered"
    elif status in TWILIO_FAILED:
        values["status"] = "failed"
        values["error"] = form.get("ErrorCode", status)[:200]
    # Twilio's callbacks can arrive out of order: a late "sent" never overwrites a row
    # already delivered or failed (the store keeps to that).
    await runtime.database.write(lambda store: store.provider_status(sid, values))
    return web.Response(status=204)


class SmsChannel:
    """SMS through Twilio: the webhook always answers (403 unsigned); sends when configured."""

    name = "sms"

    def __init__(self, settings: Settings) -> None:
        self._sender: TwilioSender | None = None
        if settings.twilio_configured:
            assert settings.twilio_account_sid and settings.twilio_auth_token
            callback = (settings.public_url + "/sms/twilio/status") if settings.public_url else None
            self._sender = TwilioSender(
                settings.twilio_account_sid,
                settings.twilio_auth_token,
                settings.twilio_from,
                settings.twilio_messaging_service_sid,
                settings.twilio_api_url,
                callback,
            )

    @property
    def sender(self) -> Sender | None:
        """Twilio's sender, when the account and a sender number or service are set."""
        return self._sender

    def routes(self) -> Sequence[web.RouteDef]:
        """Inbound messages and status callbacks."""
        return [web.post("/sms/twilio", sms_inbound), web.post("/sms/twilio/status", sms_status)]

    async def close(self) -> None:
        """Close Twilio's HTTP connections."""
        if self._sender is not None:
            await self._sender.close()
