"""Routes: `POST /sms/twilio`, `POST /sms/twilio/status`, `GET /healthz`.

The front door: a request is refused as early and as cheaply as possible (no
signature header: 403 before the body is read; not a UTF-8 form: 415; not a form:
400), the form is parsed only as far as the signature needs, and nothing is stored
before the signature is verified. The database unreachable is a 503 with
`Retry-After` and one log line, never a 500 or a traceback per request.
"""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from aiohttp import web

from bot.channels.sms_twilio import (
    EXTERNAL_ID_MAX,
    MalformedWebhook,
    clean_form,
    parse_inbound,
    signature_valid,
)
from bot.channels.telegram import (
    SECRET_HEADER,
    MalformedUpdate,
    TelegramSender,
    parse_update,
    secret_valid,
)
from bot.inbound import UnknownService
from bot.runtime import Runtime
from bot.storage.database import DATABASE_DOWN

log = logging.getLogger(__name__)

RUNTIME = web.AppKey("runtime", Runtime)
TELEGRAM = web.AppKey("telegram", TelegramSender)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 200  # Twilio's inbound form has about 20; a picture message a few more
RETRY_AFTER_SECONDS = 5


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
    runtime = request.app[RUNTIME]
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
    runtime = request.app[RUNTIME]
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
    runtime = request.app[RUNTIME]
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


async def telegram_inbound(request: web.Request) -> web.Response:
    """Telegram's webhook: check the secret token, handle the update once, answer 200."""
    runtime = request.app[RUNTIME]
    given = request.headers.get(SECRET_HEADER, "")
    if not secret_valid(runtime.settings.telegram_webhook_secret, given):
        log.warning("telegram webhook refused", extra={"status": 403})
        return web.Response(status=403, text="invalid secret token")
    if request.content_type != "application/json":
        return web.Response(status=415, text="expected application/json")
    try:
        data = json.loads(await request.read())
        if not isinstance(data, dict):
            raise MalformedUpdate("not an object")
        inbound = parse_update(data, runtime.clock())
    except (ValueError, MalformedUpdate):
        return web.Response(status=400, text="not a Telegram update")
    if inbound.message is not None:
        try:
            await runtime.handler.handle(inbound.message)
        except UnknownService:
            log.warning("telegram message for no service")
    telegram = request.app.get(TELEGRAM)
    if inbound.callback_id is not None and telegram is not None:
        await telegram.answer_button(inbound.callback_id)
    return web.json_response({})


async def healthz(request: web.Request) -> web.Response:
    """200 with a small JSON body when the database answers and the dispatcher runs, else 503."""
    runtime = request.app[RUNTIME]
    body: dict[str, object] = {
        "status": "ok",
        "services": len(runtime.registry.enabled()),
        "oncall": len(runtime.settings.oncall),
    }
    stopped = [name for name, task in runtime.tasks.items() if task.done()]
    if stopped:
        body["status"] = f"{', '.join(stopped)} stopped"
        return web.json_response(body, status=503)
    now = runtime.clock()
    channels = list(runtime.dispatcher.lanes)
    try:
        oldest = await runtime.database.read(lambda store: store.oldest_due(now, channels))
    except DATABASE_DOWN as exc:
        log.warning("health check: database unavailable", extra={"error": type(exc).__name__})
        body["status"] = "database unavailable"
        return web.json_response(body, status=503, headers=_retry_after())
    # How long the longest-waiting message that Kith could send has been due.
    age = max(0, int((now - oldest).total_seconds())) if oldest else 0
    body["oldest_due_seconds"] = age
    if age > runtime.settings.backlog_limit_seconds:
        body["status"] = "outbox backlog"
        return web.json_response(body, status=503)
    return web.json_response(body)


def _retry_after() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


@web.middleware
async def database_unavailable(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The database unreachable mid-request: 503 with Retry-After and one log line.

    Twilio retries a 5xx when the webhook URL asks it to (docs/deploying.md); the
    message is not lost, and nothing half-done was committed.
    """
    try:
        return await handler(request)
    except DATABASE_DOWN as exc:
        log.warning(
            "database unavailable",
            extra={"path": request.path, "error": type(exc).__name__},
        )
        return web.Response(status=503, text="database unavailable", headers=_retry_after())


def create_app(runtime: Runtime, telegram: TelegramSender | None = None) -> web.Application:
    """The aiohttp application for an opened runtime (and Telegram's sender, when set)."""
    app = web.Application(client_max_size=256 * 1024, middlewares=[database_unavailable])
    app[RUNTIME] = runtime
    if telegram is not None:
        app[TELEGRAM] = telegram
    app.router.add_post("/sms/twilio", sms_inbound)
    app.router.add_post("/sms/twilio/status", sms_status)
    app.router.add_post("/telegram", telegram_inbound)
    app.router.add_get("/healthz", healthz)
    return app
