"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and the `kith` command.

PostgreSQL tests run against KITH_TEST_DATABASE_URL (default: the local server), in a
fresh database made for this run and dropped after it. When PostgreSQL cannot be
reached they are skipped, except with CI=true, where that fails the run.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.deadlines import LONDON
from bot.settings import DEFAULT_TEST_DATABASE_URL
from bot.storage.database import SqlDatabase, create_engine, upgrade

# Helper modules that other test packages import: their asserts are rewritten too
# (pytest refuses to rewrite a module already imported).
pytest.register_assert_rewrite(
    "tests.services.conversation_helpers", "tests.conversations.engine_helpers"
)

# A whole Kirklees carers conversation that seed 000 accepts: a carer of 45 giving much
# unpaid care to a family member of 40 with an assessed need, both in Kirklees.
KIRKLEES_ELIGIBLE = [
    "hi",
    "yes",
    "1",
    "45",
    "yes",
    "1",
    "40",
    "yes",
    "HD1 2AB",
    "WF13 1AB",
    "3",
    "Sam",
    "3",
    "1",
]

# The same carer, caring for someone of 70 (outside 000 1.6's 18 to 64), confirming the
# number when asked (a refusal resting on one typed number is confirmed first).
KIRKLEES_TOO_OLD = [*KIRKLEES_ELIGIBLE[: KIRKLEES_ELIGIBLE.index("40")], "70", "yes"]

ROOT = Path(__file__).resolve().parent.parent


def assert_received_soon_after(shown: str, clock: str, within: float = 60) -> None:
    """`shown` is a time as staff see it, of something received in a run started at `clock`.

    Staff see ISO 8601 to the second in London's offset of the day. `KITH_CLOCK` starts
    at `clock` and then advances, so the moment itself is known only to a window: no
    earlier than `clock` and less than `within` seconds after it.
    """
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", shown), shown
    moment, start = datetime.fromisoformat(shown), datetime.fromisoformat(clock)
    assert moment.utcoffset() == start.astimezone(LONDON).utcoffset(), shown
    assert start <= moment < start + timedelta(seconds=within), (shown, clock)


def _source_kith() -> str:
    """A `kith` command that runs this source tree, never a stale installed copy.

    It is a small script run by this interpreter: it puts the tree first on the import
    path, and refuses clearly (exit 3) if `bot` would still come from anywhere else.
    """
    folder = Path(tempfile.mkdtemp(prefix="kith-source-"))
    script = folder / "kith"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"ROOT = {str(ROOT)!r}\n"
        "sys.path.insert(0, ROOT)\n"
        "import bot\n"
        "if not bot.__file__ or not bot.__file__.startswith(ROOT + '/'):\n"
        "    sys.exit(f'kith tests: bot imported from {bot.__file__}, not {ROOT}')\n"
        "from bot.cli import main\n"
        "sys.exit(main())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    atexit.register(shutil.rmtree, folder, True)
    return str(script)


KITH = _source_kith()


def _pg_admin_url() -> str:
    return os.environ.get("KITH_TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)


async def _pg_execute(url: str, statement: str) -> None:
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database=parsed.database,
        timeout=5,
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    admin = _pg_admin_url()
    name = f"kith_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_pg_execute(admin, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # unreachable server, refused login...
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and unreachable: {exc!r}")
        pytest.skip(f"PostgreSQL unreachable: {type(exc).__name__}")
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty (un-migrated) database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'kith.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    name = f"t{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_url()
    asyncio.run(_pg_execute(admin, f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated database engine (both backends)."""
    engine = create_engine(database_url)
    await upgrade(engine, database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def database(db: AsyncEngine) -> AsyncIterator[SqlDatabase]:
    """The storage port on the migrated database (both backends)."""
    database = SqlDatabase(db)
    yield database
    database.close()


@dataclass
class Kith:
    """Runs the `kith` command (of this source tree) against one database, as a user would."""

    env: dict[str, str]
    log: list[str] = field(default_factory=list)

    def run(
        self, *args: str, stdin: str = "", check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `kith ARGS`; fails the test on an unexpected exit status."""
        result = subprocess.run(
            [KITH, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env={**self.env, **(env or {})},
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kith {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
            )
        return result

    def chat(
        self,
        service: str,
        lines: list[str],
        address: str = "console:test",
        clock: str | None = None,
        lang: str | None = None,
    ) -> list[dict[str, Any]]:
        """Send `lines` through `kith chat --json`; return every outbound message."""
        args = ["chat", "--service", service, "--json", "--from", address]
        if lang:
            args += ["--lang", lang]
        result = self.run(
            *args,
            stdin="".join(line + "\n" for line in lines),
            env={"KITH_CLOCK": clock} if clock else None,
        )
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        """Rows of a read-only query on this database (to check what was stored)."""

        async def _run() -> list[tuple[Any, ...]]:
            engine = create_engine(self.env["KITH_DATABASE_URL"])
            try:
                async with engine.connect() as conn:
                    return [tuple(row) for row in (await conn.execute(text(query))).all()]
            finally:
                await engine.dispose()

        return asyncio.run(_run())

    def referrals(self, *args: str) -> list[dict[str, Any]]:
        """`kith referrals list --json` as Python objects."""
        return list(json.loads(self.run("referrals", "list", "--json", *args).stdout))


def _kith_env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KITH_", "TWILIO_", "TELEGRAM_"))
    }
    env["KITH_DATABASE_URL"] = url
    env["PYTHONPATH"] = ""
    env["HOME"] = str(tmp_path)
    return env


@pytest.fixture
def kith_sqlite(tmp_path: Path) -> Kith:
    """The `kith` command on a migrated SQLite file."""
    kith = Kith(_kith_env(f"sqlite+aiosqlite:///{tmp_path / 'kith.db'}", tmp_path))
    kith.run("db", "upgrade")
    return kith


@pytest.fixture
def kith(database_url: str, tmp_path: Path) -> Kith:
    """The `kith` command on a migrated database, SQLite and PostgreSQL."""
    kith = Kith(_kith_env(database_url, tmp_path))
    kith.run("db", "upgrade")
    return kith
