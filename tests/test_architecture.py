"""The dependency direction of docs/architecture.md, checked on the import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VENDOR = (
    "aiohttp",
    "sqlalchemy",
    "twilio",
    "telegram",
    "apscheduler",
    "alembic",
    "asyncpg",
    "aiosqlite",
)


def imports_of(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in Path(folder).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path)] = names
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        (
            "bot/core",
            (
                *VENDOR,
                "bot.storage",
                "bot.web",
                "bot.channels",
                "bot.delivery",
                "conversations",
                "scheduler",
            ),
        ),
        (
            "conversations",
            (
                *VENDOR,
                "bot.storage",
                "bot.web",
                "bot.channels",
                "bot.delivery",
                "bot.inbound",
                "bot.runtime",
                "scheduler",
            ),
        ),
        ("bot/channels", ("bot.storage", "bot.delivery.dispatcher", "bot.web", "sqlalchemy")),
        ("bot/storage", ("bot.channels", "bot.delivery", "bot.web", "aiohttp", "twilio")),
        ("bot/delivery", ("bot.channels", "bot.web", "twilio", "telegram", "aiohttp")),
    ],
)
def test_layers_do_not_import_what_they_must_not_know(
    folder: str, forbidden: tuple[str, ...]
) -> None:
    offenders = {
        path: sorted(
            name for name in names if any(name == f or name.startswith(f + ".") for f in forbidden)
        )
        for path, names in imports_of(folder).items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_only_the_runner_knows_apscheduler() -> None:
    users = {
        path
        for path, names in imports_of("scheduler").items()
        if any(name.startswith("apscheduler") for name in names)
    }
    assert users == {"scheduler/runner.py"}
