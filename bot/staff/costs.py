"""What SMS cost: messages and segments sent, by service, language and kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.ports import Store


def sms_cost(
    store: Store, service_id: str | None, since: datetime | None, price: float | None
) -> dict[str, Any]:
    """Rows of (service, language, kind, messages, segments, cost) and their totals.

    Cost is segments times `price` (KITH_SMS_PRICE, one segment's price), or None when
    no price is set. Twilio bills each segment of a message it accepted.
    """
    rows: list[dict[str, Any]] = []
    usage = store.sms_usage(service_id, since)
    for language, kind, service, messages, segments in usage:
        rows.append(
            {
                "service": service,
                "language": language,
                "kind": kind,
                "messages": messages,
                "segments": segments,
                "cost": None if price is None else round(segments * price, 4),
            }
        )
    segments_total = sum(u[4] for u in usage)
    return {
        "rows": rows,
        "messages": sum(u[3] for u in usage),
        "segments": segments_total,
        "cost": None if price is None else round(segments_total * price, 4),
        "price_per_segment": price,
    }
