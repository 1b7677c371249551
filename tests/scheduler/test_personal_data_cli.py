"""Issue 11 (7) through the `kith` binary: what a handled crisis alert keeps once
`kith scheduler tick` has run.

INTERFACES "Data and states": a crisis alert keeps its words and number until
acknowledged and for the retention period after (Kith's default, 90 days, for Kirklees
carers: docs/service-definitions.md), even when the person declined consent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import Kith

SERVICE = "kirklees-carers-options"
NUMBER = "+447700900123"
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WORDS = "I want to end my life"


def test_a_handled_crisis_alert_keeps_words_and_number_for_90_days_then_not(
    kith_sqlite: Kith,
) -> None:
    kith_sqlite.chat(
        SERVICE, ["hi", WORDS, "continue", "no"], address=f"sms:{NUMBER}", clock=MONDAY.isoformat()
    )

    def alerts(at: datetime) -> list[dict[str, object]]:
        env = {"KITH_CLOCK": at.isoformat()}
        return list(json.loads(kith_sqlite.run("alerts", "list", "--json", env=env).stdout))

    def tick(at: datetime) -> None:
        kith_sqlite.run("scheduler", "tick", env={"KITH_CLOCK": at.isoformat()})

    # Declined consent, but the alert is not handled: its words and number stay.
    tick(MONDAY + timedelta(days=200))
    [alert] = alerts(MONDAY + timedelta(days=200))
    assert (alert["words"], alert["phone"]) == (WORDS, NUMBER)

    handled = MONDAY + timedelta(days=200, hours=1)
    kith_sqlite.run(
        "alerts", "ack", str(alert["id"]), "--by", "Jo", env={"KITH_CLOCK": handled.isoformat()}
    )
    tick(handled + timedelta(days=89))
    [alert] = alerts(handled + timedelta(days=89))
    assert (alert["words"], alert["phone"]) == (WORDS, NUMBER)
    tick(handled + timedelta(days=91))
    [alert] = alerts(handled + timedelta(days=91))
    assert alert["words"] in (None, "") and alert["phone"] in (None, "")
    assert alert["handled"] is True and alert["kind"] == "crisis"  # that it happened stays
