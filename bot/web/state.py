"""What the web app holds: the runtime, opened by the app's own cleanup context.

aiohttp freezes an application's state before its startup runs, so the runtime (opened
at startup) is kept in a holder set up before then, never added to the frozen app.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.runtime import Runtime


@dataclass
class AppState:
    """The running app's runtime (None until startup has opened it)."""

    runtime: Runtime | None = None


KITH = web.AppKey("kith", AppState)


def runtime_of(request: web.Request) -> Runtime:
    """The runtime serving `request` (opened before the first request is accepted)."""
    runtime = request.app[KITH].runtime
    assert runtime is not None, "the runtime is opened at startup, before any request"
    return runtime
