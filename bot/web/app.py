"""The web app: each channel's routes, `GET /healthz`, and the lifetimes it owns.

aiohttp's cleanup contexts own what runs beside the routes, opened in order at startup
and closed in reverse at shutdown: the channels' connections, the runtime (database,
services), the outbox dispatcher and the scheduler. The database unreachable is a 503
with `Retry-After` and one log line, never a 500 or a traceback per request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from aiohttp import web

from bot.runtime import dispatching, open_runtime
from bot.settings import Settings, SettingsError
from bot.storage.database import DATABASE_DOWN
from bot.web.channel import Channel, close_all, senders_of
from bot.web.state import KITH, AppState, runtime_of
from scheduler.runner import scheduling

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


async def healthz(request: web.Request) -> web.Response:
    """200 with a small JSON body when the database answers and the dispatcher runs, else 503."""
    runtime = runtime_of(request)
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


def create_app(
    settings: Settings, channels: Sequence[Channel], *, background: bool = True
) -> web.Application:
    """The aiohttp application: the channels' routes and health, and their lifetimes.

    With `background`, the dispatcher and the scheduler run inside the app (as in
    `kith serve`); without, only the routes (a deployment that runs `kith dispatch`
    apart, or a test that steps the dispatcher itself).
    """
    app = web.Application(client_max_size=256 * 1024, middlewares=[database_unavailable])
    state = AppState()
    app[KITH] = state

    async def channel_connections(_: web.Application) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await close_all(channels)

    async def runtime(_: web.Application) -> AsyncIterator[None]:
        async with open_runtime(settings, senders_of(channels)) as opened:
            enabled = {s.id for s in opened.registry.enabled()}
            if settings.default_service and settings.default_service not in enabled:
                raise SettingsError(
                    f"KITH_DEFAULT_SERVICE {settings.default_service!r} is not an enabled "
                    "service (see `kith services list`)"
                )
            state.runtime = opened
            try:
                yield
            finally:
                state.runtime = None

    async def dispatcher(_: web.Application) -> AsyncIterator[None]:
        assert state.runtime is not None
        async with dispatching(state.runtime):
            yield

    async def jobs(_: web.Application) -> AsyncIterator[None]:
        assert state.runtime is not None
        async with scheduling(state.runtime):
            yield

    app.cleanup_ctx.extend([channel_connections, runtime])
    if background:
        app.cleanup_ctx.extend([dispatcher, jobs])
    for channel in channels:
        app.router.add_routes(channel.routes())
    app.router.add_get("/healthz", healthz)
    return app
