"""`kith serve` as an operator runs it: a real process on loopback."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.request

from tests.conftest import KITH, Kith


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_healthz_and_warns_once_about_missing_sms_settings_and_oncall(
    kith_sqlite: Kith,
) -> None:
    port = free_port()
    process = subprocess.Popen(
        [KITH, "serve", "--port", str(port)],
        env=kith_sqlite.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.1)
        # No KITH_ONCALL: healthz says so, for a monitor to catch.
        assert body == {"status": "ok", "services": 5, "oncall": 0}
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    warnings = [line for line in stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 2, warnings
    assert sum("TWILIO_ACCOUNT_SID" in w for w in warnings) == 1
    assert sum("KITH_ONCALL is empty" in w for w in warnings) == 1
    assert "Traceback" not in stderr
