"""`kith chat` as a person at a terminal uses it (issue 11, 6): each reply shows as soon as
the line is sent, with standard input still open, and no log line appears in the
conversation, even when a crisis alert is raised and on-call staff are texted."""

from __future__ import annotations

import os
import select
import subprocess
import time
from typing import IO

from tests.conftest import KITH, Kith


def _read_until_quiet(stream: IO[bytes], first_within: float) -> str:
    """What the process writes: waits up to `first_within` s for it, then 1 s of quiet."""
    fd = stream.fileno()
    seen = b""
    deadline = time.monotonic() + first_within
    while True:
        wait = max(0.0, deadline - time.monotonic()) if not seen else 1.0
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return seen.decode()
        chunk = os.read(fd, 65536)
        if not chunk:
            return seen.decode()
        seen += chunk


def test_each_reply_shows_at_once_and_no_log_line_joins_the_conversation(
    kith_sqlite: Kith,
) -> None:
    env = {**kith_sqlite.env, "KITH_ONCALL": "+447700900999", "KITH_LOG_FORMAT": "text"}
    process = subprocess.Popen(
        [KITH, "chat", "--service", "kirklees-carers-options", "--from", "sms:+447700900321"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    with process:
        assert process.stdin and process.stdout and process.stderr
        try:
            process.stdin.write(b"hello\n")
            process.stdin.flush()
            # Standard input is still open: the welcome must not wait for it to end.
            first = _read_until_quiet(process.stdout, first_within=60)
            assert "Carers Options" in first and "YES or NO" in first
            process.stdin.write(b"I want to end my life\n")
            process.stdin.flush()
            second = _read_until_quiet(process.stdout, first_within=60)
            assert second.strip()  # the crisis routes, shown at once too
            process.stdin.close()  # end of input ends the conversation
            rest, err = process.stdout.read(), process.stderr.read()
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0
    conversation = first + second + rest.decode()
    for log_word in ("WARNING", "INFO", "staff alert", "alert_id=", "bot."):
        assert log_word not in conversation, log_word
    assert err.decode() == ""
    # The alert was raised and queued for on-call staff: the silence is not for lack of it.
    assert kith_sqlite.sql("SELECT kind FROM staff_alerts") == [("crisis",)]
