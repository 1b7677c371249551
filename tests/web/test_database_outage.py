"""PostgreSQL taken away under load (issue 11, "Done when"): 503s, one line each, recovery.

Kith serves on loopback (the real app, wired as `kith serve` wires it) while many
people text at once. The test database is then taken away: new connections are
refused (ALLOW_CONNECTIONS false) and every backend already open is terminated
(pg_terminate_backend), as a failover or a restart of the server does. While it is
away every answer is a 503 with Retry-After (never a 500), each failure is one log
line without a traceback, and /healthz is 503. When it comes back, the same process
answers 200 again, with no restart, and every message that was acknowledged with a
200, and every one retried after a 503 (as Twilio retries with `rp=5xx`), is stored
exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin_url, _pg_execute
from tests.fakes.twilio_fake import TwilioFake
from tests.web.test_sms_webhook import CONVERSATION, Running, inbound_form, running_kith

PEOPLE = 12
ANSWERS = [body for body, _ in CONVERSATION]


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A migrated-later PostgreSQL database of its own: (url, name)."""
    name = f"outage{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_url()
    asyncio.run(_pg_execute(admin, f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    yield url, name
    asyncio.run(_pg_execute(admin, f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
    asyncio.run(_pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def take_away(name: str) -> None:
    admin = _pg_admin_url()
    await _pg_execute(admin, f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    await _pg_execute(
        admin,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
    )


async def bring_back(name: str) -> None:
    await _pg_execute(_pg_admin_url(), f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


async def until(condition: Callable[[], bool], seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the load did not get there in time")


class Load:
    """People texting their way through a conversation, each in order, all at once.

    A 503 is retried with the same MessageSid, as Twilio does; a 200 is acknowledged.
    """

    def __init__(self, kith: Running) -> None:
        self.kith = kith
        self.statuses: list[int] = []
        self.retry_after_missing = 0
        self.acknowledged: set[str] = set()
        self.sent_503: set[str] = set()
        self.stop = asyncio.Event()

    async def person(self, index: int) -> None:
        sender = f"+4477009{index:05d}"
        for body in ANSWERS:
            form = inbound_form(body, sender=sender, sid="SM" + secrets.token_hex(16))
            while True:
                response = await self.kith.post_form("/sms/twilio", form)
                self.statuses.append(response.status)
                if response.status == 200:
                    self.acknowledged.add(form["MessageSid"])
                    break
                assert response.status == 503, response.status
                if "Retry-After" not in response.headers:
                    self.retry_after_missing += 1
                self.sent_503.add(form["MessageSid"])
                await asyncio.sleep(0.05)
            if self.stop.is_set():
                return
            await asyncio.sleep(0.01)


async def test_postgresql_taken_away_under_load_gives_503s_one_line_each_and_recovers(
    pg_database: tuple[str, str], twilio: TwilioFake, caplog: pytest.LogCaptureFixture
) -> None:
    url, name = pg_database
    from bot.storage.database import create_engine, upgrade

    engine = create_engine(url)
    await upgrade(engine, url)
    await engine.dispose()
    caplog.set_level(logging.INFO)
    async with running_kith(url, twilio) as kith:
        load = Load(kith)
        people = [asyncio.create_task(load.person(i)) for i in range(PEOPLE)]
        try:
            await until(lambda: len(load.acknowledged) >= 20)  # under load before it goes
            await take_away(name)
            away_since = len(load.statuses)
            await until(lambda: load.statuses[away_since:].count(503) >= 20)
            health = await kith.client.get("/healthz")
            assert health.status == 503
            assert health.headers.get("Retry-After")
            assert (await health.json())["status"] == "database unavailable"
        finally:
            await bring_back(name)
        load.stop.set()
        await asyncio.wait_for(asyncio.gather(*people), 60)

        # Recovered in the same process: health and new messages answer again.
        health = await kith.client.get("/healthz")
        assert health.status == 200
        after = inbound_form("hello", sender="+447700955555")
        assert (await kith.post_form("/sms/twilio", after)).status == 200

        statuses = load.statuses
        assert set(statuses) == {200, 503}, sorted(set(statuses))
        failures = statuses.count(503)
        assert failures >= 20
        assert load.retry_after_missing == 0
        # One log line per failure, none with a traceback, nothing at ERROR.
        lines = [r for r in caplog.records if r.getMessage() == "database unavailable"]
        assert len(lines) == failures
        assert all(r.path == "/sms/twilio" and r.error for r in lines)  # type: ignore[attr-defined]
        assert not [r for r in caplog.records if r.exc_info]
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

        # Every acknowledged message, and every one retried after a 503, is stored once.
        rows = await kith.rows("SELECT external_id FROM inbound_messages")
        stored = [r.external_id for r in rows]
        assert len(stored) == len(set(stored))
        assert load.acknowledged | {after["MessageSid"]} == set(stored)
        assert load.sent_503 <= set(stored)
