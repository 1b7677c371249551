"""The dispatcher against the Twilio fake, on SQLite and PostgreSQL.

The real twilio client sends through `TwilioSender` to a loopback fake speaking
Twilio's format; the outbox is the real store. Expected behaviour is INTERFACES'
"Data and states" and "Outbox": urgent first, quiet hours 21:00-08:00 Europe/London,
`too_late` past `not_after`, idempotency keys, leases, one in flight per person.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.sms_twilio import TwilioSender
from bot.core.deadlines import LONDON
from bot.core.records import OutboundRow
from bot.core.sending import Pace
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.group_commit import GroupCommit, GroupCommitStopped
from bot.storage.database import SqlDatabase
from bot.storage.tables import outbox, staff_alerts
from bot.tasks import start_supervised
from tests.fakes.twilio_fake import TwilioFake

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token"
SERVICE = "kirklees-carers-options"
FAST = Pace(rate=10_000.0, burst=10_000.0, in_flight=8, timeout=2.0)
# Tuesday 1 December 2026, 23:00 in London: quiet hours.
NIGHT = datetime(2026, 12, 1, 23, 0, tzinfo=LONDON)
MORNING = datetime(2026, 12, 2, 8, 0, tzinfo=LONDON)
AFTERNOON = datetime(2026, 12, 2, 14, 0, tzinfo=LONDON)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def twilio() -> AsyncIterator[TwilioFake]:
    async with TwilioFake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
async def sender(twilio: TwilioFake) -> AsyncIterator[TwilioSender]:
    sms = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, "+447700900001", None, twilio.url)
    yield sms
    await sms.close()


def number(n: int) -> str:
    return f"sms:+4477009{n:05d}"


def row(
    n: int,
    body: str,
    priority: str = "normal",
    *,
    at: datetime = AFTERNOON,
    exempt: bool = False,
    not_after: datetime | None = None,
    key: str | None = None,
) -> OutboundRow:
    return OutboundRow(
        "sms",
        number(n),
        body,
        "reply" if exempt else "reminder",
        priority,
        SERVICE,
        at,
        quiet_exempt=exempt,
        not_after=not_after,
        idempotency_key=key,
    )


async def queue(database: SqlDatabase, rows: list[OutboundRow], now: datetime) -> list[int]:
    return await database.write(lambda store: store.queue(rows, now))


async def statuses(db: AsyncEngine) -> dict[int, tuple[str, str | None, int]]:
    async with db.connect() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
    return {r.id: (r.status, r.error, r.attempts) for r in rows}


async def test_urgent_rows_are_claimed_before_a_waiting_bulk_backlog(
    database: SqlDatabase, sender: TwilioSender, twilio: TwilioFake
) -> None:
    await queue(database, [row(n, f"bulk {n}", "bulk") for n in range(300)], AFTERNOON)
    await queue(database, [row(900, "crisis routes", "urgent", exempt=True)], AFTERNOON)
    dispatcher = Dispatcher(database, {"sms": sender}, Clock(AFTERNOON), paces={"sms": FAST})
    assert await dispatcher.run_once() == 8
    bodies = [m["body"] for m in twilio.sent()]
    assert "crisis routes" in bodies, "the urgent row waited behind 300 bulk rows"


async def test_each_person_gets_one_message_at_a_time_in_order(
    database: SqlDatabase, sender: TwilioSender, twilio: TwilioFake
) -> None:
    twilio.delay = 0.05
    await queue(database, [row(1, f"one-{i}") for i in range(5)], AFTERNOON)
    await queue(database, [row(2, f"two-{i}") for i in range(5)], AFTERNOON)
    dispatcher = Dispatcher(database, {"sms": sender}, Clock(AFTERNOON), paces={"sms": FAST})
    assert await dispatcher.run_once() == 2  # one for each person
    assert await dispatcher.drain() == 8
    assert twilio.bodies_to("+447700900001") == [f"one-{i}" for i in range(5)]
    assert twilio.bodies_to("+447700900002") == [f"two-{i}" for i in range(5)]


async def test_quiet_hours_hold_a_reminder_until_eight_but_not_a_reply(
    db: AsyncEngine, database: SqlDatabase, sender: TwilioSender, twilio: TwilioFake
) -> None:
    clock = Clock(NIGHT)
    [reminder] = await queue(database, [row(1, "Your call is tomorrow", at=NIGHT)], NIGHT)
    [reply] = await queue(database, [row(2, "Thank you", "urgent", at=NIGHT, exempt=True)], NIGHT)
    dispatcher = Dispatcher(database, {"sms": sender}, clock, paces={"sms": FAST})
    assert await dispatcher.drain() == 1
    assert [m["body"] for m in twilio.sent()] == ["Thank you"]
    async with db.connect() as conn:
        held = (await conn.execute(select(outbox).where(outbox.c.id == reminder))).one()
    assert (held.status, held.attempts) == ("queued", 0)
    assert held.not_before == MORNING

    clock.now = MORNING - timedelta(minutes=1)
    assert await dispatcher.drain() == 0
    clock.now = MORNING
    assert await dispatcher.drain() == 1
    assert [m["body"] for m in twilio.sent()] == ["Thank you", "Your call is tomorrow"]
    assert (await statuses(db))[reply][0] == "sent"


async def test_a_message_past_not_after_is_cancelled_too_late_never_sent(
    db: AsyncEngine, database: SqlDatabase, sender: TwilioSender, twilio: TwilioFake
) -> None:
    # Held through the night, its appointment at 07:30 has passed by 08:00.
    late = row(1, "Your call is at 7:30am", at=NIGHT, not_after=MORNING - timedelta(minutes=30))
    [outbox_id] = await queue(database, [late], NIGHT)
    clock = Clock(NIGHT)
    dispatcher = Dispatcher(database, {"sms": sender}, clock, paces={"sms": FAST})
    assert await dispatcher.drain() == 0
    clock.now = MORNING
    assert await dispatcher.drain() == 0
    assert (await statuses(db))[outbox_id] == ("cancelled", "too_late", 0)
    assert twilio.requests == []


async def test_an_idempotency_key_queues_a_message_once(
    db: AsyncEngine, database: SqlDatabase
) -> None:
    key = "reminder:appointment-7:rev-1:2026-12-02T14:00"
    first = await queue(database, [row(1, "Your call is at 2pm", key=key)], AFTERNOON)
    again = await queue(database, [row(1, "Your call is at 2pm", key=key)], AFTERNOON)
    moved = await queue(database, [row(1, "Your call is at 3pm", key=key + "-rev-2")], AFTERNOON)
    assert len(first) == 1 and again == [] and len(moved) == 1
    assert len(await statuses(db)) == 2


async def test_two_dispatchers_never_send_a_row_twice(
    database_url: str, database: SqlDatabase, twilio: TwilioFake
) -> None:
    twilio.delay = 0.002
    await queue(database, [row(n, f"message {n}") for n in range(200)], AFTERNOON)
    # A second dispatcher on its own engine and connection, as another process has.
    from bot.storage.database import create_engine

    other_engine = create_engine(database_url)
    other_database = SqlDatabase(other_engine)
    senders = [
        TwilioSender(ACCOUNT_SID, AUTH_TOKEN, "+447700900001", None, twilio.url) for _ in range(2)
    ]
    try:
        first = Dispatcher(database, {"sms": senders[0]}, Clock(AFTERNOON), paces={"sms": FAST})
        second = Dispatcher(
            other_database, {"sms": senders[1]}, Clock(AFTERNOON), paces={"sms": FAST}
        )
        counts = await asyncio.gather(first.drain(), second.drain())
    finally:
        for sms in senders:
            await sms.close()
        other_database.close()
        await other_engine.dispose()
    bodies = [m["body"] for m in twilio.sent()]
    assert sorted(bodies) == sorted(f"message {n}" for n in range(200))
    assert sum(counts) == 200
    assert min(counts) > 0, "one dispatcher did all the work: the test proved nothing"


async def test_a_live_lease_is_never_taken_an_expired_one_is(
    db: AsyncEngine, database: SqlDatabase, sender: TwilioSender, twilio: TwilioFake
) -> None:
    [outbox_id] = await queue(database, [row(1, "Your call is at 2pm")], AFTERNOON)
    [leased] = await database.write(
        lambda store: store.claim(
            AFTERNOON, "sms", 10, "host:1:dead", AFTERNOON + timedelta(seconds=60)
        )
    )
    assert leased.id == outbox_id
    clock = Clock(AFTERNOON + timedelta(seconds=30))
    dispatcher = Dispatcher(database, {"sms": sender}, clock, paces={"sms": FAST})
    assert await dispatcher.recover() == 0
    assert await dispatcher.drain() == 0
    clock.now = AFTERNOON + timedelta(seconds=61)
    assert await dispatcher.recover() == 1
    assert await dispatcher.drain() == 1
    assert (await statuses(db))[outbox_id] == ("sent", None, 2)
    assert [m["body"] for m in twilio.sent()] == ["Your call is at 2pm"]


async def test_retry_after_is_honoured(
    db: AsyncEngine, database: SqlDatabase, sender: TwilioSender, twilio: TwilioFake
) -> None:
    [outbox_id] = await queue(database, [row(1, "Your call is at 2pm")], AFTERNOON)
    twilio.throttle_next(1, retry_after=120)
    dispatcher = Dispatcher(database, {"sms": sender}, Clock(AFTERNOON), paces={"sms": FAST})
    assert await dispatcher.run_once() == 1
    async with db.connect() as conn:
        waiting = (await conn.execute(select(outbox).where(outbox.c.id == outbox_id))).one()
    assert (waiting.status, waiting.error, waiting.attempts) == ("queued", "20429", 1)
    assert waiting.not_before >= AFTERNOON + timedelta(seconds=120)


async def test_a_slow_provider_times_out_and_the_message_is_tried_again(
    db: AsyncEngine, database: SqlDatabase, sender: TwilioSender, twilio: TwilioFake
) -> None:
    twilio.delay = 1.0
    [outbox_id] = await queue(database, [row(1, "Your call is at 2pm")], AFTERNOON)
    pace = Pace(rate=100.0, burst=10.0, in_flight=2, timeout=0.2)
    dispatcher = Dispatcher(database, {"sms": sender}, Clock(AFTERNOON), paces={"sms": pace})
    assert await dispatcher.run_once() == 1
    assert (await statuses(db))[outbox_id] == ("queued", "timeout", 1)


async def test_bad_credentials_hold_messages_unspent_and_alert_staff_once(
    db: AsyncEngine, database: SqlDatabase, twilio: TwilioFake
) -> None:
    ids = await queue(database, [row(n, f"message {n}") for n in range(3)], AFTERNOON)
    wrong = TwilioSender(ACCOUNT_SID, "not-the-token", "+447700900001", None, twilio.url)
    clock = Clock(AFTERNOON)
    try:
        dispatcher = Dispatcher(database, {"sms": wrong}, clock, paces={"sms": FAST})
        await dispatcher.run_once()
        clock.now += timedelta(minutes=5)
        await dispatcher.run_once()
    finally:
        await wrong.close()
    rows = await statuses(db)
    assert all(rows[i][0] == "queued" and rows[i][2] == 0 for i in ids), rows
    async with db.connect() as conn:
        alerts = (await conn.execute(select(staff_alerts.c.kind, staff_alerts.c.address))).all()
    assert [tuple(a) for a in alerts] == [("provider_unavailable", "sms")]
    assert twilio.messages == []


async def test_the_running_loop_sends_what_is_queued_and_recovers_from_a_failure(
    db: AsyncEngine, database: SqlDatabase, sender: TwilioSender, twilio: TwilioFake
) -> None:
    dispatcher = Dispatcher(database, {"sms": sender}, Clock(AFTERNOON), paces={"sms": FAST})
    tasks: dict[str, asyncio.Task[None]] = {}
    start_supervised(tasks, "dispatcher", lambda: dispatcher.run_forever(0.05), 0.05)
    try:
        await queue(database, [row(n, f"message {n}") for n in range(20)], AFTERNOON)
        dispatcher.wake.set()
        for _ in range(200):
            if len(twilio.messages) == 20:
                break
            await asyncio.sleep(0.02)
        assert len(twilio.messages) == 20
        # The database breaks under the loop (a table renamed away): it stops, restarts...
        async with db.begin() as conn:
            await conn.execute(text("ALTER TABLE outbox RENAME TO outbox_away"))
        await asyncio.sleep(0.3)
        assert not tasks["dispatcher"].done()
        async with db.begin() as conn:
            await conn.execute(text("ALTER TABLE outbox_away RENAME TO outbox"))
        # ...and sends again once the database is back, with no restart of Kith.
        await queue(database, [row(500, "after the outage")], AFTERNOON)
        dispatcher.wake.set()
        for _ in range(200):
            if len(twilio.messages) == 21:
                break
            await asyncio.sleep(0.02)
        assert twilio.messages[-1]["body"] == "after the outage"
    finally:
        tasks["dispatcher"].cancel()
        with pytest.raises(asyncio.CancelledError):
            await tasks["dispatcher"]


async def test_the_loop_stops_when_cancelled_as_new_rows_ring_its_bell(
    database: SqlDatabase, sender: TwilioSender
) -> None:
    """Stopping `kith serve` while messages are being queued must stop the dispatcher.

    On Python 3.11, `asyncio.wait_for` swallows a cancellation that lands as the awaited
    event is set: the loop went on for ever (a CI run hung on it for an hour).
    """
    dispatcher = Dispatcher(database, {"sms": sender}, Clock(AFTERNOON), paces={"sms": FAST})
    for _ in range(20):
        task = asyncio.create_task(dispatcher.run_forever(60))
        await asyncio.sleep(0.05)  # recovered its leases; now waiting on the bell
        dispatcher.wake.set()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        assert done, "the dispatcher did not stop when cancelled"
        assert task.cancelled()


async def test_stopping_during_a_group_commit_leaves_no_unseen_error(
    database: SqlDatabase,
) -> None:
    # Cancelled mid-write (the dispatcher stopping), the callers waiting on that write are
    # failed as not known to be committed; none leaves asyncio an error it logs as unseen.
    def slow(store: Any) -> None:
        if store.conn.dialect.name == "postgresql":  # waits on the server, the loop runs on
            store.conn.exec_driver_sql("SELECT pg_sleep(0.3)")
        else:  # SQLite writes in Kith's writer thread
            time.sleep(0.3)

    unseen: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: unseen.append(context))
    commits = GroupCommit(database)
    writing = asyncio.create_task(commits.write(slow))
    await asyncio.sleep(0.05)
    waiting = asyncio.create_task(commits.write(lambda store: None))
    await asyncio.sleep(0.05)
    writing.cancel()  # the task writing for the group; the other is not cancelled
    results = await asyncio.gather(writing, waiting, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert isinstance(results[1], GroupCommitStopped)  # not written: never taken as sent
    del writing, waiting, results
    await asyncio.sleep(0.4)  # the cancelled statement ends, letting its futures go
    gc.collect()
    await asyncio.sleep(0)
    loop.set_exception_handler(None)
    assert [c["message"] for c in unseen] == []
    # The next write goes through.
    await commits.write(lambda store: None)


async def test_one_failing_result_fails_alone_and_the_rest_of_the_group_is_written(
    database: SqlDatabase,
) -> None:
    # A group of results shares one write; when one of them fails it (or a passing
    # error does), each is written on its own: only what fails again fails, and what
    # arrived meanwhile is written, never dropped as if the dispatcher had stopped.
    ids = await queue(database, [row(n, f"message {n}") for n in range(3)], AFTERNOON)
    commits = GroupCommit(database)

    def cancel(outbox_id: int) -> Any:
        return lambda store: store.record_send(outbox_id, status="cancelled", error="test")

    def broken(store: Any) -> None:
        raise ValueError("this result cannot be written")

    results = await asyncio.gather(
        commits.write(cancel(ids[0])),
        commits.write(broken),
        commits.write(cancel(ids[1])),
        commits.write(cancel(ids[2])),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == ["NoneType", "ValueError", "NoneType", "NoneType"]
    assert [status for status, _, _ in (await statuses(database.engine)).values()] == [
        "cancelled"
    ] * 3
