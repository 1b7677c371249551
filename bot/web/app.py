"""Routes: `POST /sms/twilio`, `POST /sms/twilio/status`, `GET /healthz`."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text, update

from bot.channels.sms_twilio import MalformedWebhook, parse_inbound, signature_valid
from bot.inbound import UnknownService
from bot.runtime import Runtime
from bot.storage.tables import outbox

log = logging.getLogger(__name__)

RUNTIME = web.AppKey("runtime", Runtime)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _twiml(status: int = 200) -> web.Response:
    return web.Response(status=status, text=EMPTY_TWIML, content_type="text/xml")


def _checked_url(request: web.Request, runtime: Runtime) -> str:
    """The URL Twilio signed: KITH_PUBLIC_URL + path when set, else what we were called at."""
    if runtime.settings.public_url:
        return runtime.settings.public_url + request.path_qs
    return str(request.url)


async def _verified_form(request: web.Request) -> dict[str, str] | None:
    runtime = request.app[RUNTIME]
    token = runtime.settings.twilio_auth_token
    try:
        form = {key: str(value) for key, value in (await request.post()).items()}
    except (ValueError, UnicodeDecodeError):
        return None
    if not token or not signature_valid(
        token, _checked_url(request, runtime), form, request.headers.get("X-Twilio-Signature", "")
    ):
        return None
    return form


async def sms_inbound(request: web.Request) -> web.Response:
    """Twilio's inbound SMS webhook: verify, store the step, queue replies, answer TwiML."""
    runtime = request.app[RUNTIME]
    form = await _verified_form(request)
    if form is None:
        log.warning("twilio webhook refused: bad or missing signature")
        return web.Response(status=403, text="invalid signature")
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
    form = await _verified_form(request)
    if form is None:
        return web.Response(status=403, text="invalid signature")
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        return web.Response(status=400, text="MessageSid and MessageStatus are required")
    values: dict[str, object] = {"provider_status": status[:40]}
    if status == "delivered":
        values["status"] = "delivered"
    elif status in TWILIO_FAILED:
        values["status"] = "failed"
        values["error"] = form.get("ErrorCode", status)[:200]
    query = update(outbox).where(outbox.c.provider_ref == sid)
    if "status" not in values:
        # Twilio's callbacks can arrive out of order: a late "sent" must not overwrite
        # the provider status of a row already delivered or failed.
        query = query.where(outbox.c.status.not_in(("delivered", "failed")))
    async with runtime.db.begin() as conn:
        await conn.execute(query.values(**values))
    return web.Response(status=204)


async def healthz(request: web.Request) -> web.Response:
    """200 with a small JSON body when the database answers, else 503."""
    runtime = request.app[RUNTIME]
    try:
        async with runtime.db.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any database error means not healthy
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok", "services": len(runtime.registry.enabled())})


def create_app(runtime: Runtime) -> web.Application:
    """The aiohttp application for an opened runtime."""
    app = web.Application(client_max_size=256 * 1024)
    app[RUNTIME] = runtime
    app.router.add_post("/sms/twilio", sms_inbound)
    app.router.add_post("/sms/twilio/status", sms_status)
    app.router.add_get("/healthz", healthz)
    return app
