"""The log formatters keep `extra` and drop personal data; background tasks are supervised."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging
from bot.tasks import start_supervised

NUMBER = "+447700900123"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def log_a_failed_send() -> None:
    log = logging.getLogger("bot.delivery.dispatcher")
    try:
        raise ConnectionError(f"could not reach Twilio for {NUMBER}")
    except ConnectionError:
        log.warning(
            "send failed, will retry",
            extra={"outbox_id": 42, "code": "30003", "address": f"sms:{NUMBER}", "body": "hi Sam"},
            exc_info=True,
        )


def test_text_lines_keep_ids_codes_and_error_place_but_no_number_or_text(
    captured: io.StringIO,
) -> None:
    configure_logging("text", logging.INFO, captured)
    log_a_failed_send()
    line = captured.getvalue().strip()
    assert "send failed, will retry" in line
    assert "outbox_id=42" in line and "code=30003" in line
    assert "error=ConnectionError" in line and "at=" in line and "test_logs_and_tasks.py:" in line
    assert NUMBER not in line and "7700" not in line and "hi Sam" not in line
    assert "\n" not in line  # one line: no traceback


def test_json_lines_are_one_object_with_the_extra_fields(captured: io.StringIO) -> None:
    configure_logging("json", logging.INFO, captured)
    log_a_failed_send()
    [line] = captured.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "send failed, will retry"
    assert entry["outbox_id"] == 42 and entry["code"] == "30003"
    assert entry["error"] == "ConnectionError" and entry["level"] == "WARNING"
    assert "address" not in entry and "body" not in entry
    assert NUMBER not in line and "hi Sam" not in line


async def test_a_failing_background_task_is_one_log_line_and_is_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0
    running = asyncio.Event()

    async def flaky() -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise RuntimeError(f"the message text and {NUMBER}")
        running.set()
        await asyncio.Event().wait()

    tasks: dict[str, asyncio.Task[None]] = {}
    task = start_supervised(tasks, "dispatcher", flaky, pause_seconds=0.01)
    await asyncio.wait_for(running.wait(), 10)
    assert tasks == {"dispatcher": task} and not task.done()
    failures = [r for r in caplog.records if r.getMessage() == "background task failed; restarting"]
    assert len(failures) == 2
    assert all(r.error == "RuntimeError" for r in failures)  # type: ignore[attr-defined]
    assert not any(r.exc_info for r in failures)
    assert not any(NUMBER in str(vars(r)) for r in caplog.records)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
