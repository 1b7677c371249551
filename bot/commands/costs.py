"""`kith sms-cost`: SMS segments sent, and what they cost, by service, language and kind."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time

from bot.commands.terminal import show, table
from bot.core.deadlines import LONDON
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.staff.costs import sms_cost


async def report(settings: Settings, service: str | None, since: str | None, as_json: bool) -> int:
    """Print the report; exit 2 with one line on a bad date or service."""
    start = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), time(0), tzinfo=LONDON)
        except ValueError:
            print(f"kith: --since must be a date like 2026-12-01, not {since!r}", file=sys.stderr)
            return 2
    async with open_runtime(settings) as runtime:
        if service is not None and service not in runtime.registry.services:
            print(f"kith: unknown service {service!r} (see `kith services list`)", file=sys.stderr)
            return 2
        price = settings.sms_price
        result = await runtime.database.read(lambda store: sms_cost(store, service, start, price))
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    grid = table("service", "language", "kind", "messages", "segments", "cost")
    for r in result["rows"]:
        cost = "-" if r["cost"] is None else f"{r['cost']:.2f}"
        grid.add_row(
            r["service"] or "-",
            r["language"] or "-",
            r["kind"],
            str(r["messages"]),
            str(r["segments"]),
            cost,
        )
    total = "-" if result["cost"] is None else f"{result['cost']:.2f}"
    grid.add_row("all", "", "", str(result["messages"]), str(result["segments"]), total)
    show(grid)
    if price is None:
        print("Set KITH_SMS_PRICE (one segment's price) to see costs.")
    return 0
