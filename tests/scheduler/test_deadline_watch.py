"""The deadline digest each working morning, over the August 2026 bank holiday (issue 13, 6).

Monday 31 August 2026 is England's summer bank holiday. On Friday 28 August the next
working day is Tuesday 1 September, so a deadline then is in Friday's digest; on the
Monday no digest goes; a deadline that has passed is in the digest as overdue and is
recorded as a breach once.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.ports import Store
from bot.core.records import ReferralDraft
from bot.storage.database import SqlDatabase, create_engine
from tests.conftest import Kith

LONDON = ZoneInfo("Europe/London")
ONCALL = "+447700900999"
SERVICE = "kirklees-carers-options"


def end_of(day: int, month: int = 8) -> datetime:
    return datetime(2026, month, day, 23, 59, 59, tzinfo=LONDON)


async def referrals(url: str) -> None:
    received = datetime(2026, 8, 24, 10, 0, tzinfo=LONDON)
    engine = create_engine(url)
    database = SqlDatabase(engine)
    dues = [
        (end_of(27), None),  # overdue on the Friday
        (end_of(1, 9), None),  # due the next working day after the holiday
        (end_of(2, 9), None),  # due the day after that
        (end_of(27), end_of(4, 9)),  # staff will record first contact
    ]

    def work(store: Store) -> None:
        for contact, meeting in dues:
            draft = ReferralDraft(
                SERVICE,
                "en",
                None,
                {},
                "accepted",
                (),
                (),
                False,
                received,
                received,
                contact,
                meeting,
            )
            store.insert_referral(draft, "sms", "sms:+447700900123")

    try:
        await database.write(work)
    finally:
        database.close()
        await engine.dispose()


def tick(kith: Kith, clock: str) -> int:
    out = kith.run(
        "scheduler", "tick", "--json", env={"KITH_CLOCK": clock, "KITH_ONCALL": ONCALL}
    ).stdout
    return int(json.loads(out)["deadline_watch"])


def digests(kith: Kith) -> list[dict[str, object]]:
    rows = json.loads(kith.run("outbox", "list", "--json").stdout)
    return [r for r in rows if r["kind"] == "deadline_digest"]


def test_the_digest_over_a_bank_holiday(kith: Kith) -> None:
    asyncio.run(referrals(kith.env["KITH_DATABASE_URL"]))
    kith.run("referrals", "set-status", "4", "contacted", "--by", "Asha")
    assert tick(kith, "2026-08-28T08:29:00+01:00") == 0  # before the working morning
    assert tick(kith, "2026-08-28T08:31:00+01:00") == 1
    assert tick(kith, "2026-08-28T09:30:00+01:00") == 0  # once a day
    (friday,) = digests(kith)
    assert friday["phone"] == ONCALL
    lines = str(friday["text"]).splitlines()
    assert lines == [
        "Kith deadlines Fri 28 Aug: 2.",
        f"#1 {SERVICE} first contact OVERDUE since Thu 27 Aug",
        f"#2 {SERVICE} first contact due Tue 1 Sep",
    ]
    assert tick(kith, "2026-08-31T09:00:00+01:00") == 0  # the bank holiday: none
    assert tick(kith, "2026-08-29T09:00:00+01:00") == 0  # a Saturday: none
    assert tick(kith, "2026-09-01T09:00:00+01:00") == 1
    tuesday = str(digests(kith)[-1]["text"]).splitlines()
    assert tuesday == [
        "Kith deadlines Tue 1 Sep: 3.",
        f"#1 {SERVICE} first contact OVERDUE since Thu 27 Aug",
        f"#2 {SERVICE} first contact due Tue 1 Sep",
        f"#3 {SERVICE} first contact due Wed 2 Sep",
    ]
    breaches = kith.sql("SELECT referral_id, deadline FROM deadline_breaches")
    assert breaches == [(1, "first_contact")]
