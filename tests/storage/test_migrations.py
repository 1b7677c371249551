"""Migrations on SQLite and PostgreSQL, and refusing to run on an un-migrated database."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

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
