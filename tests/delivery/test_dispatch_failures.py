"""The dispatcher's own loop, supervised as `kith serve` runs it, through failures.

Provider down then back, a 429 storm, and PostgreSQL's backends terminated
mid-dispatch: every message is delivered, once (or at most the in-flight ones twice
after a database failure), each person's in order, with no restart of Kith.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import pytest

from bot.channels.sms_twilio import TwilioSender
from bot.core.deadlines import LONDON
from bot.core.records import OutboundRow
from bot.core.sending import Pace
from bot.delivery.dispatcher import Dispatcher
from bot.storage.database import SqlDatabase, create_engine, upgrade
from bot.tasks import start_supervised
from tests.conftest import _pg_admin_url, _pg_execute
from tests.fakes.twilio_fake import TwilioFake
from tests.web.test_database_outage import pg_database  # noqa: F401 (a fixture)

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token"
IN_FLIGHT = 8
PACE = Pace(rate=10_000.0, burst=10_000.0, in_flight=IN_FLIGHT, timeout=2.0)
AFTERNOON = datetime(2026, 12, 2, 14, 0, tzinfo=LONDON)


class Clock:
    """Real time passing, from a fixed afternoon, that a test can also jump forward."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self.loop = asyncio.get_running_loop()
        self.start = self.loop.time()

    def __call__(self) -> datetime:
        return AFTERNOON + timedelta(seconds=self.loop.time() - self.start) + self.offset


@pytest.fixture
async def twilio() -> AsyncIterator[TwilioFake]:
    async with TwilioFake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


def rows(people: int, each: int) -> list[OutboundRow]:
    return [
        OutboundRow(
            "sms",
            f"sms:+4477009{p:05d}",
            f"person {p} message {m}",
            "reply",
            "urgent",
            None,
            AFTERNOON,
            quiet_exempt=True,
        )
        for m in range(each)
        for p in range(people)
    ]


async def until(condition: Callable[[], bool], seconds: float) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not there in time")


async def running(
    database: SqlDatabase, twilio: TwilioFake, clock: Clock
) -> tuple[Dispatcher, asyncio.Task[None], TwilioSender]:
    sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, "+447700900001", None, twilio.url)
    dispatcher = Dispatcher(database, {"sms": sender}, clock, paces={"sms": PACE})
    tasks: dict[str, asyncio.Task[None]] = {}
    task = start_supervised(tasks, "dispatcher", lambda: dispatcher.run_forever(0.05), 0.1)
    return dispatcher, task, sender


async def stop(task: asyncio.Task[None], sender: TwilioSender) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await sender.close()


def in_order(twilio: TwilioFake, people: int, each: int) -> None:
    for p in range(people):
        bodies = twilio.bodies_to(f"+4477009{p:05d}")
        assert bodies == [f"person {p} message {m}" for m in range(each)], bodies


async def test_provider_down_then_back_delivers_everything_once_in_order(
    database: SqlDatabase, twilio: TwilioFake
) -> None:
    clock = Clock()
    await database.write(lambda store: store.queue(rows(5, 4), AFTERNOON))
    twilio.fail_next(12)  # Twilio answers 500 for a while
    dispatcher, task, sender = await running(database, twilio, clock)
    try:
        await until(lambda: len(twilio.requests) >= 5, 10)  # each person's first try fails
        assert twilio.messages == []
        for _ in range(40):  # time passes: every backoff runs out
            clock.offset += timedelta(minutes=1)
            dispatcher.wake.set()
            await asyncio.sleep(0.05)
            if len(twilio.messages) == 20:
                break
        assert len(twilio.messages) == 20
    finally:
        await stop(task, sender)
    in_order(twilio, 5, 4)
    assert max(Counter(m["body"] for m in twilio.messages).values()) == 1


async def test_a_429_storm_is_waited_out_as_twilio_asks(
    database: SqlDatabase, twilio: TwilioFake
) -> None:
    clock = Clock()
    await database.write(lambda store: store.queue(rows(6, 2), AFTERNOON))
    twilio.throttle_next(3, retry_after=1)
    dispatcher, task, sender = await running(database, twilio, clock)
    try:
        await until(lambda: any(r.status == 429 for r in twilio.requests), 10)
        for _ in range(100):
            clock.offset += timedelta(seconds=30)  # the rows' own retry times pass
            dispatcher.wake.set()
            await asyncio.sleep(0.05)
            if len(twilio.messages) == 12:
                break
        assert len(twilio.messages) == 12
    finally:
        await stop(task, sender)
    in_order(twilio, 6, 2)
    first_429 = min(r.at for r in twilio.requests if r.status == 429)
    # Retry-After: 1 paused the whole channel: apart from the sends already in flight
    # with the 429s (answered within milliseconds), nothing was asked of Twilio for a
    # second, and then the rest went.
    later = [r.at - first_429 for r in twilio.requests if r.at - first_429 > 0.05]
    assert later and min(later) >= 0.9, later


async def test_postgresql_backends_terminated_mid_dispatch_the_loop_recovers_alone(
    pg_database: tuple[str, str],  # noqa: F811 (the fixture imported above)
    twilio: TwilioFake,
) -> None:
    url, name = pg_database
    engine = create_engine(url)
    await upgrade(engine, url)
    database = SqlDatabase(engine)
    count = 300
    twilio.delay = 0.01
    clock = Clock()
    await database.write(lambda store: store.queue(rows(count, 1), AFTERNOON))
    _, task, sender = await running(database, twilio, clock)
    try:
        await until(lambda: len(twilio.messages) >= 50, 30)
        await _pg_execute(
            _pg_admin_url(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        assert len(twilio.messages) < count, "terminated too late to prove anything"
        await until(lambda: len({m["body"] for m in twilio.messages}) == count, 60)
        assert not task.done()
    finally:
        await stop(task, sender)
        database.close()
        await engine.dispose()
    repeats = sum(n - 1 for n in Counter(m["body"] for m in twilio.messages).values())
    assert repeats <= IN_FLIGHT
