"""`kith serve` as an operator runs it: a real process on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import load_settings
from tests.conftest import KIRKLEES_ELIGIBLE, KITH, ROOT, Kith
from tests.fakes.twilio_fake import sign


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
        for _ in range(300):  # a loaded machine may take a while to start Python
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.1)
        # No KITH_ONCALL: healthz says so, for a monitor to catch.
        assert body == {"status": "ok", "services": 5, "oncall": 0, "oldest_due_seconds": 0}
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    warnings = [line for line in stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 2, warnings
    assert sum("TWILIO_ACCOUNT_SID" in w for w in warnings) == 1
    assert sum("KITH_ONCALL is empty" in w for w in warnings) == 1
    assert "Traceback" not in stderr


# Helpers for `kith serve` as a real process

AUTH_TOKEN = "serve-test-token"


@dataclass
class Served:
    """A running `kith serve`: its process, port and what it wrote to standard error."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8")


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[Served]:
    """`kith serve` (this source tree) on a free port, until healthz answers; stopped after.

    Its output goes to a file, so a busy server never blocks on a full pipe.
    """
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="kith-serve-")) / "stderr.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [KITH, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    served = Served(process, port, log)
    try:
        for _ in range(200):
            if process.poll() is not None:
                raise AssertionError(f"kith serve exited {process.returncode}: {served.stderr()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def signed_post(port: int, form: dict[str, str], token: str = AUTH_TOKEN) -> int:
    """POST a form signed as Twilio signs it; the HTTP status."""
    url = f"http://127.0.0.1:{port}/sms/twilio"
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"X-Twilio-Signature": sign(url, form, token)},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def sms(body: str, sender: str, sid: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": sid or "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+447700900000",
        "Body": body,
        "NumMedia": "0",
    }


def serve_env(kith: Kith, **extra: str) -> dict[str, str]:
    return {
        **kith.env,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "KITH_DEFAULT_SERVICE": "kirklees-carers-options",
        **extra,
    }


# SIGKILL under load


PEOPLE = 10
KILL_AFTER = 40  # acknowledged messages before the kill


async def _load(port: int, acknowledged: set[str], sids: list[list[str]], stop_after: int) -> None:
    """PEOPLE people texting the Kirklees conversation in order until `stop_after` 200s."""
    import aiohttp

    url = f"http://127.0.0.1:{port}/sms/twilio"

    async def person(index: int, session: aiohttp.ClientSession) -> None:
        sender = f"+4477009{index:05d}"
        for turn, body in enumerate(KIRKLEES_ELIGIBLE):
            form = sms(body, sender, sids[index][turn])
            headers = {"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)}
            try:
                async with session.post(url, data=form, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        return
            except aiohttp.ClientError:
                return  # the server is gone
            acknowledged.add(form["MessageSid"])
            if len(acknowledged) >= stop_after:
                return

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(person(i, session) for i in range(PEOPLE)))


def test_sigkill_of_serve_under_load_loses_no_acknowledged_message_and_repeats_none(
    kith: Kith,
) -> None:
    """A 200 to Twilio means stored; Twilio's retries after a restart are processed once.

    Seed 000 (1.6, 4.8, 4.9) accepts every person here (a carer of 45 caring for a
    family member of 40 with an assessed need, both in Kirklees): if any message were
    lost or processed twice, that person's conversation would go astray and end
    without exactly one accepted referral.
    """
    sids = [["SM" + secrets.token_hex(16) for _ in KIRKLEES_ELIGIBLE] for _ in range(PEOPLE)]
    acknowledged: set[str] = set()
    env = serve_env(kith)
    with serving(env) as served:
        loader = threading.Thread(
            target=asyncio.run, args=(_load(served.port, acknowledged, sids, 10**9),), daemon=True
        )
        loader.start()
        for _ in range(600):
            if len(acknowledged) >= KILL_AFTER:
                break
            time.sleep(0.02)
        assert len(acknowledged) >= KILL_AFTER, "no load"
        served.process.send_signal(signal.SIGKILL)  # under load: requests in flight
        served.process.wait(timeout=30)
        loader.join(timeout=60)
        assert served.process.returncode == -signal.SIGKILL
    killed_at = set(acknowledged)
    stored = {row[0] for row in kith.sql("SELECT external_id FROM inbound_messages")}
    assert killed_at <= stored, "an acknowledged message was lost"
    assert len(killed_at) < PEOPLE * len(KIRKLEES_ELIGIBLE), "the kill came too late"

    # Restarted, Twilio retries every message it holds (all of them, same MessageSid).
    with serving(env) as served:
        for index in range(PEOPLE):
            sender = f"+4477009{index:05d}"
            for turn, body in enumerate(KIRKLEES_ELIGIBLE):
                assert signed_post(served.port, sms(body, sender, sids[index][turn])) == 200
    count = kith.sql("SELECT count(*) FROM inbound_messages")[0][0]
    assert count == PEOPLE * len(KIRKLEES_ELIGIBLE)
    referrals = kith.sql("SELECT address, outcome FROM referrals ORDER BY address")
    assert referrals == [(f"sms:+4477009{i:05d}", "accepted") for i in range(PEOPLE)]


# Logs


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_serve_logs_ids_and_codes_and_never_a_number_or_text(
    kith_sqlite: Kith, log_format: str
) -> None:
    person, oncall = "+447700900321", "+447700900999"
    env = serve_env(kith_sqlite, KITH_LOG_FORMAT=log_format, KITH_ONCALL="07700 900999")
    with serving(env) as served:
        for body in ("hello", "I want to kill myself"):
            assert signed_post(served.port, sms(body, person)) == 200
        assert signed_post(served.port, sms("hello", person), token="wrong") == 403
    stderr = served.stderr()
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines
    for secret in (person, person[1:], "7700 900321", oncall, "kill myself", AUTH_TOKEN):
        assert secret not in stderr, secret
    [alert_id] = [row[0] for row in kith_sqlite.sql("SELECT id FROM staff_alerts")]
    if log_format == "json":
        records = [json.loads(line) for line in lines]  # every line is one JSON object
        [alert] = [r for r in records if r["message"] == "staff alert"]
        assert alert["alert_id"] == alert_id
        assert alert["kind"] == "crisis"
        assert alert["service"] == "kirklees-carers-options"
        assert alert["level"] == "WARNING"
        [refused] = [r for r in records if r["message"] == "twilio webhook refused"]
        assert refused["status"] == 403
    else:
        [alert] = [line for line in lines if " staff alert " in line]
        assert f"alert_id={alert_id}" in alert
        assert "kind=crisis" in alert and "service=kirklees-carers-options" in alert
        [refused] = [line for line in lines if "twilio webhook refused" in line]
        assert "status=403" in refused


# Start-up checks


def test_oncall_is_normalised_and_alerts_reach_each_contact(kith_sqlite: Kith) -> None:
    env = serve_env(kith_sqlite, KITH_ONCALL=" 07700 900999 , telegram:42,+447700900999")
    with serving(env) as served:
        with urllib.request.urlopen(f"http://127.0.0.1:{served.port}/healthz", timeout=5) as r:
            assert json.loads(r.read())["oncall"] == 2
        assert signed_post(served.port, sms("I want to end my life", "+447700900321")) == 200
    stderr = served.stderr()
    assert "KITH_ONCALL is empty" not in stderr
    rows = kith_sqlite.sql("SELECT address FROM outbox WHERE kind = 'staff_alert' ORDER BY id")
    assert sorted(r[0] for r in rows) == ["sms:+447700900999", "telegram:42"]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("KITH_ONCALL", "+447700900999,not-a-number", "KITH_ONCALL entry 2 is not"),
        ("KITH_ONCALL", "telegram:abc", "KITH_ONCALL entry 1 is not telegram:<chat id>"),
        ("KITH_DEFAULT_SERVICE", "no-such-service", "KITH_DEFAULT_SERVICE 'no-such-service'"),
        ("KITH_LOG_FORMAT", "xml", "KITH_LOG_FORMAT must be one of text, json"),
    ],
)
def test_serve_refuses_a_malformed_setting_in_one_line(
    kith_sqlite: Kith, name: str, value: str, expected: str
) -> None:
    result = kith_sqlite.run("serve", "--port", str(free_port()), check=False, env={name: value})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("kith: "), result.stderr
    assert expected in result.stderr
    assert "not-a-number" not in result.stderr  # an entry is named by position, not value


def broken_services(folder: Path) -> tuple[Path, int]:
    """A services folder whose one definition has a YAML error; (file, line of the error)."""
    folder.mkdir()
    path = folder / "broken-service.yaml"
    path.write_text("id: broken-service\nname: Broken\nquestions:\n  - field: [age\n", "utf-8")
    return path, 5


@pytest.mark.parametrize(
    "command",
    [
        ["serve", "--port", "0"],
        ["chat", "--service", "kirklees-carers-options"],
        ["services", "list"],
        ["services", "diagram", "kirklees-carers-options"],
    ],
)
def test_a_broken_definition_stops_what_needs_definitions_in_one_line(
    kith_sqlite: Kith, tmp_path: Path, command: list[str]
) -> None:
    path, line = broken_services(tmp_path / "services")
    result = kith_sqlite.run(*command, check=False, env={"KITH_SERVICES_DIR": str(path.parent)})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"kith: {path}:{line}: ")  # the file and the line
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command", [["alerts", "list"], ["outbox", "list"], ["referrals", "list", "--json"]]
)
def test_staff_commands_run_on_with_a_broken_definition_and_warn_in_one_line(
    kith_sqlite: Kith, tmp_path: Path, command: list[str]
) -> None:
    path, line = broken_services(tmp_path / "services")
    result = kith_sqlite.run(*command, env={"KITH_SERVICES_DIR": str(path.parent)})
    assert result.returncode == 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"kith: warning: {path}:{line}: ")


def test_secrets_never_appear_in_settings_repr_or_serve_logs(kith_sqlite: Kith) -> None:
    token, bot_token, secret = "tok-" + secrets.token_hex(8), "123:" + secrets.token_hex(8), "s3"
    environ = {
        "KITH_DATABASE_URL": "postgresql+asyncpg://kith:pw-" + secret + "@db/kith",
        "TWILIO_AUTH_TOKEN": token,
        "TELEGRAM_BOT_TOKEN": bot_token,
        "TELEGRAM_WEBHOOK_SECRET": "hook-" + secret,
    }
    shown = repr(load_settings(environ, dotenv=Path("/nonexistent")))
    for value in (token, bot_token, "pw-" + secret, "hook-" + secret):
        assert value not in shown
    with serving(serve_env(kith_sqlite, TWILIO_AUTH_TOKEN=token)) as served:
        assert signed_post(served.port, sms("hello", "+447700900321"), token=token) == 200
    stderr = served.stderr()
    assert token not in stderr


def test_kith_clock_starts_there_advances_and_serve_warns_loudly(kith_sqlite: Kith) -> None:
    start = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    with serving(serve_env(kith_sqlite, KITH_CLOCK=start.isoformat())) as served:
        assert signed_post(served.port, sms("hello", "+447700900321", "SM" + "1" * 32)) == 200
        time.sleep(1.2)
        assert signed_post(served.port, sms("yes", "+447700900321", "SM" + "2" * 32)) == 200
    stderr = served.stderr()
    [warning] = [line for line in stderr.splitlines() if "KITH_CLOCK" in line]
    assert "WARNING" in warning and "FAKE clock" in warning
    rows = kith_sqlite.sql("SELECT received_at FROM inbound_messages ORDER BY external_id")
    first, second = (parse_time(r[0]) for r in rows)
    assert start <= first < start + timedelta(seconds=30)  # starts at KITH_CLOCK
    assert second - first >= timedelta(seconds=1.1)  # and advances


def parse_time(value: object) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def test_the_kith_tests_run_is_this_source_tree_not_an_installed_copy(tmp_path: Path) -> None:
    stale = tmp_path / "stale" / "bot"
    stale.mkdir(parents=True)
    (stale / "__init__.py").write_text("", "utf-8")
    (stale / "cli.py").write_text("def main():\n    print('STALE')\n    return 0\n", "utf-8")
    env = {**os.environ, "PYTHONPATH": str(stale.parent)}
    result = subprocess.run(
        [KITH, "services", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "STALE" not in result.stdout
    assert "kirklees-carers-options" in result.stdout


def test_serve_refuses_a_default_service_that_is_not_enabled(
    kith_sqlite: Kith, tmp_path: Path
) -> None:
    """KITH_DEFAULT_SERVICE must name an enabled service (issue 11 point 3)."""
    shipped = ROOT / "conversations" / "services" / "kirklees-carers-options.yaml"
    folder = tmp_path / "services"
    folder.mkdir()
    text = shipped.read_text("utf-8")
    assert "\nenabled: true\n" in text
    (folder / shipped.name).write_text(text.replace("\nenabled: true\n", "\nenabled: false\n"))
    env = {"KITH_SERVICES_DIR": str(folder), "KITH_DEFAULT_SERVICE": "kirklees-carers-options"}
    result = kith_sqlite.run("serve", "--port", str(free_port()), check=False, env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("kith: "), result.stderr
    assert "KITH_DEFAULT_SERVICE 'kirklees-carers-options'" in result.stderr


def test_a_failed_conversation_step_logs_the_error_type_and_place_and_apologises(
    kith_sqlite: Kith,
) -> None:
    """Issue 11 point 2: "step failed" names the error (its type and place), never the text.

    The step fails as it would after a definition was edited under an open conversation:
    the question the person was at no longer exists.
    """
    person = "+447700900321"
    env = serve_env(kith_sqlite, KITH_LOG_FORMAT="json")
    path = kith_sqlite.env["KITH_DATABASE_URL"].split("///", 1)[1]
    with serving(env) as served:
        for body in ("hello", "yes"):
            assert signed_post(served.port, sms(body, person)) == 200
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE participants SET state = json_set(state, '$.position', 'gone')")
        assert signed_post(served.port, sms("My answer 1", person)) == 200  # not a 500
    records = [json.loads(line) for line in served.stderr().splitlines() if line.strip()]
    [failed] = [r for r in records if r["message"] == "conversation step failed"]
    assert failed["service"] == "kirklees-carers-options"
    assert failed["error"] and failed["error"][0].isupper()  # an exception's type name
    assert re.fullmatch(r".+\.py:\d+", failed["at"]), failed["at"]
    assert "My answer" not in served.stderr() and person not in served.stderr()
    # The person is asked to send it again; the message itself was kept.
    [(reply,)] = kith_sqlite.sql("SELECT body FROM outbox ORDER BY id DESC LIMIT 1")
    assert "send that again" in reply
    assert kith_sqlite.sql("SELECT count(*) FROM inbound_messages") == [(3,)]
