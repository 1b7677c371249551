"""Migrations on SQLite and PostgreSQL, and refusing to run on an un-migrated database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.database import (
    DatabaseNotReady,
    create_engine,
    current_revision,
    ensure_migrated,
    head_revision,
    upgrade,
)
from tests.conftest import KITH

TABLES = {
    "participants",
    "inbound_messages",
    "referrals",
    "referral_status_history",
    "anonymous_events",
    "staff_alerts",
    "outbox",
    "persons",
    "person_addresses",
    "appointments",
    "appointment_history",
    "awaiting_replies",
    "deadline_breaches",
    "alembic_version",
}


async def test_upgrade_creates_the_schema_and_is_idempotent(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        assert await current_revision(engine) is None
        await upgrade(engine, database_url)
        await upgrade(engine, database_url)  # a second run changes nothing
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert TABLES <= names
    finally:
        await engine.dispose()


async def test_an_unmigrated_database_is_refused_with_a_clear_message(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        try:
            await ensure_migrated(engine)
        except DatabaseNotReady as exc:
            assert "kith db upgrade" in str(exc)
        else:
            raise AssertionError("an un-migrated database was accepted")
    finally:
        await engine.dispose()


async def test_migrated_database_is_accepted(db: AsyncEngine) -> None:
    await ensure_migrated(db)


def test_serve_refuses_an_unmigrated_database_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "KITH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"}
    result = subprocess.run(
        [KITH, "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "kith: the database is not migrated: run `kith db upgrade` first"
    )


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "KITH_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    result = subprocess.run(
        [KITH, "referrals", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("kith: cannot open the database")
    assert "Traceback" not in result.stderr


def test_malformed_settings_stop_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "KITH_DATABASE_URL": "mysql://x", "HOME": str(tmp_path)}
    result = subprocess.run(
        [KITH, "services", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "kith: KITH_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
    )


async def test_database_errors_never_show_the_values_of_a_statement(db: AsyncEngine) -> None:
    secret = "+447911123456 I feel awful"
    try:
        async with db.begin() as conn:
            await conn.execute(text("INSERT INTO no_such_table VALUES (:v)"), {"v": secret})
    except DBAPIError as exc:
        assert secret not in str(exc)
        assert "hidden" in str(exc)
    else:
        raise AssertionError("the insert should have failed")


async def test_0003_gives_existing_records_a_person(database_url: str) -> None:
    """An 0002 database with data in it upgrades: one person per address, records linked.

    INTERFACES "Data and states": referrals, alerts and outbox rows point at the person;
    opt-out and the conversation stay per address (the participants row).
    """
    engine = create_engine(database_url)
    person, other, oncall = "sms:+447700900123", "telegram:42", "sms:+447700900999"
    at = "'2026-11-30 10:00:00+00:00'"
    try:
        await upgrade(engine, database_url, "0002")
        async with engine.begin() as conn:
            for statement in (
                "INSERT INTO participants (address, channel, language, opted_out, updated_at)"
                f" VALUES ('{person}', 'sms', 'en', false, {at})",
                "INSERT INTO referrals (service_id, channel, address, language, answers,"
                " outcome, reasons, priority, urgent, status, consent_at, created_at) VALUES"
                f" ('kirklees-advocacy', 'sms', '{person}', 'en', '{{}}', 'accepted', '[]',"
                f" '[]', false, 'new', {at}, {at})",
                "INSERT INTO staff_alerts (kind, service_id, address, created_at, words)"
                f" VALUES ('crisis', 'kirklees-advocacy', '{other}', {at}, 'not safe')",
                "INSERT INTO outbox (channel, address, body, kind, urgent, status, attempts,"
                f" not_before, created_at) VALUES ('sms', '{person}', 'Hello', 'reply', true,"
                f" 'sent', 1, {at}, {at}), ('sms', '{oncall}', 'Kith alert 1', 'staff_alert',"
                f" true, 'sent', 1, {at}, {at})",
            ):
                await conn.execute(text(statement))
        await upgrade(engine, database_url)
        async with engine.connect() as conn:
            links = dict(
                (await conn.execute(text("SELECT address, person_id FROM person_addresses"))).all()
            )
            referral = (await conn.execute(text("SELECT person_id FROM referrals"))).scalar_one()
            participant = (
                await conn.execute(text("SELECT person_id FROM participants"))
            ).scalar_one()
            alert = (await conn.execute(text("SELECT person_id, words FROM staff_alerts"))).one()
            sent = dict((await conn.execute(text("SELECT address, person_id FROM outbox"))).all())
            people = (await conn.execute(text("SELECT count(*) FROM persons"))).scalar_one()
    finally:
        await engine.dispose()
    assert set(links) == {person, other}  # on-call staff are not made people
    assert people == 2
    assert referral == participant == sent[person] == links[person]
    assert alert.person_id == links[other] != links[person]
    assert alert.words == "not safe"  # kept as it was
    assert sent[oncall] is None


async def test_0005_keeps_outbox_statistics_fresh_on_postgresql(db: AsyncEngine) -> None:
    """A claim's plan needs to know how many rows are queued: after a burst of 1,000
    changed rows PostgreSQL re-analyses the outbox, not after 10% of the table."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite has no autovacuum")
    async with db.connect() as conn:
        options = (
            await conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'outbox'"))
        ).scalar_one()
    expected = {"autovacuum_analyze_scale_factor=0", "autovacuum_analyze_threshold=1000"}
    assert set(options) == expected


def test_an_old_person_alert_becomes_person_requested_for_staff(database_url: str) -> None:
    """Issue 11 (6): today's `person` alert kind is migrated to INTERFACES' `person_requested`."""

    async def at_0001_with_an_alert() -> None:
        engine = create_engine(database_url)
        try:
            await upgrade(engine, database_url, "0001")
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO staff_alerts (kind, service_id, address, created_at) VALUES"
                        " ('person', 'kirklees-advocacy', 'sms:+447700900123',"
                        " '2026-11-30 10:00:00+00:00')"
                    )
                )
        finally:
            await engine.dispose()

    asyncio.run(at_0001_with_an_alert())
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("KITH_", "TWILIO_"))
    }
    env["KITH_DATABASE_URL"] = database_url
    for args in (["db", "upgrade"], ["alerts", "list", "--json"]):
        result = subprocess.run([KITH, *args], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    [alert] = json.loads(result.stdout)
    assert alert["kind"] == "person_requested"
    assert alert["phone"] == "+447700900123" and alert["handled"] is False
