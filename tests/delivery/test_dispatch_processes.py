"""`kith dispatch` as real processes: two at once never send a row twice; a kill -9
mid-send repeats at most the messages that were in flight.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.records import OutboundRow
from bot.storage.database import SqlDatabase, create_engine
from tests.conftest import KITH, Kith
from tests.fakes.twilio_fake import TwilioFake

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token"
IN_FLIGHT = 4
# A weekday afternoon in London, outside quiet hours whatever day the test runs.
AFTERNOON = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
async def twilio() -> AsyncIterator[TwilioFake]:
    async with TwilioFake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


async def queue(url: str, count: int) -> None:
    engine = create_engine(url)
    database = SqlDatabase(engine)
    rows = [
        OutboundRow(
            "sms", f"sms:+4477009{n:05d}", f"message {n}", "reminder", "normal", None, AFTERNOON
        )
        for n in range(count)
    ]
    try:
        await database.write(lambda store: store.queue(rows, AFTERNOON))
    finally:
        database.close()
        await engine.dispose()


async def start_dispatch(
    kith: Kith, twilio: TwilioFake, clock: datetime, **extra: str
) -> asyncio.subprocess.Process:
    env = {
        **kith.env,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+447700900001",
        "TWILIO_API_URL": twilio.url,
        "KITH_SMS_RATE": "10000",
        "KITH_SEND_CONCURRENCY": str(IN_FLIGHT),
        "KITH_CLOCK": clock.isoformat(),
        **extra,
    }
    return await asyncio.create_subprocess_exec(
        KITH,
        "dispatch",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def wait_for(condition: object, seconds: float) -> None:
    assert callable(condition)
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)


async def stop(process: asyncio.subprocess.Process, sig: int = signal.SIGINT) -> bytes:
    if process.returncode is None:
        process.send_signal(sig)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    return err


async def test_two_dispatch_processes_never_send_a_row_twice(
    kith: Kith, twilio: TwilioFake
) -> None:
    count = 120
    twilio.delay = 0.02
    await queue(kith.env["KITH_DATABASE_URL"], count)
    first = await start_dispatch(kith, twilio, AFTERNOON)
    second = await start_dispatch(kith, twilio, AFTERNOON)
    try:
        await wait_for(lambda: len(twilio.messages) >= count, 90)
        await asyncio.sleep(0.5)  # anything sent twice would arrive by now
    finally:
        errors = [await stop(first), await stop(second)]
    bodies = Counter(m["body"] for m in twilio.messages)
    assert set(bodies) == {f"message {n}" for n in range(count)}, errors
    assert max(bodies.values()) == 1, [b for b, n in bodies.items() if n > 1]
    owners = {row[0] for row in await asyncio.to_thread(kith.sql, "SELECT lease_owner FROM outbox")}
    assert len(owners) == 2, "one process did all the work: the test proved nothing"


async def test_a_kill_9_mid_send_repeats_at_most_what_was_in_flight(
    kith: Kith, twilio: TwilioFake
) -> None:
    count = 40
    twilio.delay = 0.5  # Twilio takes each message, then answers slowly
    await queue(kith.env["KITH_DATABASE_URL"], count)
    doomed = await start_dispatch(kith, twilio, AFTERNOON)
    await wait_for(lambda: len(twilio.requests) + len(twilio.messages) >= 6, 60)
    await wait_for(lambda: len(twilio.messages) >= 6, 30)
    doomed.send_signal(signal.SIGKILL)
    await doomed.wait()
    killed_at = len(twilio.messages)
    # Another dispatcher, later than the dead one's leases, takes over.
    heir = await start_dispatch(kith, twilio, AFTERNOON + timedelta(minutes=5))
    try:
        await wait_for(lambda: len({m["body"] for m in twilio.messages}) >= count, 90)
        await asyncio.sleep(1.0)
    finally:
        await stop(heir)
    bodies = Counter(m["body"] for m in twilio.messages)
    assert set(bodies) == {f"message {n}" for n in range(count)}
    repeated = sum(n - 1 for n in bodies.values())
    assert repeated <= IN_FLIGHT, f"{repeated} repeats after a kill at {killed_at} sends"
    statuses = Counter(r[0] for r in await asyncio.to_thread(kith.sql, "SELECT status FROM outbox"))
    assert statuses == {"sent": count}


async def test_send_failures_are_logged_with_the_outbox_id_and_code_never_number_or_text(
    kith: Kith, twilio: TwilioFake
) -> None:
    """Issue 11 point 2: "send failed" names its outbox id and the provider's code."""
    await queue(kith.env["KITH_DATABASE_URL"], 2)
    ids = sorted(r[0] for r in await asyncio.to_thread(kith.sql, "SELECT id FROM outbox"))
    twilio.fail_next(1)  # Twilio answers one 500 (worth a retry)...
    twilio.reject_next(1, code=21211)  # ...and refuses one number for good (error 21211)
    process = await start_dispatch(kith, twilio, AFTERNOON, KITH_LOG_FORMAT="json")
    try:
        await wait_for(lambda: len(twilio.requests) >= 2, 60)
        await asyncio.sleep(0.5)
    finally:
        err = (await stop(process)).decode()
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    [retry] = [r for r in records if r["message"] == "send failed, will retry"]
    [gone] = [r for r in records if r["message"] == "send failed for good"]
    assert sorted([retry["outbox_id"], gone["outbox_id"]]) == ids
    assert gone["code"] == "21211"
    assert retry["code"]
    for private in ("+4477009", "7700 9", "message 0", "message 1"):
        assert private not in err, private
