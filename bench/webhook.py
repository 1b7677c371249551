"""Benchmark: Kith's signed Twilio webhook on loopback, beside a bare aiohttp handler.

Starts each server as its own process (`kith serve` on SQLite, on PostgreSQL when
reachable, and the anchor `shared/anchors/bare_aiohttp.py PORT signed`), then drives
it with a real HTTP client (aiohttp) in this process:

- throughput: CONCURRENCY connections, closed loop, for SECONDS; many people, each
  sending a whole Kirklees carers conversation in order, every request correctly
  signed with its own MessageSid (so every request is a real conversation step);
- latency: an open loop offering RATE messages/second for SECONDS; latency is
  measured from when each request was due, so a stall counts against the server.

The figure that holds from machine to machine is the ratio to the bare handler
measured in the same run. Usage:

    python bench/webhook.py [--seconds 10] [--concurrency 32] [--rate 100] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

TOKEN = "test-auth-token"
ANSWERS = [
    "Hello",
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
ROOT = Path(__file__).resolve().parent.parent
# shared/ sits beside the checkout (or beside the folder of worktrees).
ANCHOR = next(
    (
        folder / "shared" / "anchors" / "bare_aiohttp.py"
        for folder in (ROOT.parent, ROOT.parent.parent)
        if (folder / "shared" / "anchors" / "bare_aiohttp.py").is_file()
    ),
    ROOT.parent / "shared" / "anchors" / "bare_aiohttp.py",
)


@dataclass
class Result:
    """One server's figures."""

    name: str
    throughput: float
    closed_p50: float
    closed_p99: float
    offered: float
    achieved: float
    open_p50: float
    open_p99: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def signed(url: str, person: int, turn: int, serial: int) -> tuple[bytes, str]:
    """A Twilio inbound form for one person's next answer, and its signature."""
    params = {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": f"SM{serial:032x}",
        "From": f"+4477009{person:05d}",
        "To": "+447700900000",
        "Body": ANSWERS[turn % len(ANSWERS)],
        "NumMedia": "0",
        "NumSegments": "1",
    }
    payload = url + "".join(key + params[key] for key in sorted(params))
    digest = hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
    return urlencode(params).encode(), base64.b64encode(digest).decode()


class Traffic:
    """Hands out requests so that each person's messages go strictly in order."""

    def __init__(self, url: str, people: int, first_serial: int) -> None:
        self.url = url
        self.people = people
        self.serial = first_serial
        self.turns = [0] * people

    def next_for(self, person: int) -> tuple[bytes, str]:
        turn = self.turns[person]
        self.turns[person] += 1
        self.serial += 1
        return signed(self.url, person, turn, self.serial)


async def post(session: aiohttp.ClientSession, url: str, body: bytes, signature: str) -> int:
    async with session.post(
        url,
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    ) as response:
        await response.read()
        return response.status


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def closed_loop(
    url: str, seconds: float, concurrency: int, traffic: Traffic
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(index: int) -> None:
            nonlocal errors
            people = range(index, traffic.people, concurrency)
            while time.perf_counter() < deadline:
                for person in people:
                    body, signature = traffic.next_for(person)
                    started = time.perf_counter()
                    if await post(session, url, body, signature) != 200:
                        errors += 1
                    latencies.append(time.perf_counter() - started)
                    if time.perf_counter() >= deadline:
                        return

        began = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, latencies, errors


async def open_loop(
    url: str, seconds: float, rate: float, traffic: Traffic
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    total = int(seconds * rate)
    locks = [asyncio.Lock() for _ in range(traffic.people)]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter() + 0.05

        async def one(k: int) -> None:
            nonlocal errors
            due = start + k / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            person = k % traffic.people
            async with locks[person]:  # a person's next message waits for the reply
                body, signature = traffic.next_for(person)
                if await post(session, url, body, signature) != 200:
                    errors += 1
            latencies.append(time.perf_counter() - due)

        began = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(total)))
        elapsed = time.perf_counter() - began
    return total / elapsed, latencies, errors


async def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError("server did not start")


async def measure(
    name: str,
    command: list[str],
    env: dict[str, str],
    port: int,
    args: argparse.Namespace,
    serial_base: int,
) -> Result:
    # The server under test is its own process; Popen returns at once.
    process = subprocess.Popen(  # noqa: ASYNC220
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await wait_ready(port, process)
        url = f"http://127.0.0.1:{port}/sms/twilio"
        warm = Traffic(url, 50, serial_base)
        await closed_loop(url, 1.0, 8, warm)
        traffic = Traffic(url, args.people, serial_base + 10_000_000)
        rate, closed, errors = await closed_loop(url, args.seconds, args.concurrency, traffic)
        steady = Traffic(url, args.people, serial_base + 20_000_000)
        achieved, opened, open_errors = await open_loop(url, args.seconds, args.rate, steady)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return Result(
        name,
        rate,
        percentile(closed, 0.5),
        percentile(closed, 0.99),
        args.rate,
        achieved,
        percentile(opened, 0.5),
        percentile(opened, 0.99),
        errors + open_errors,
    )


def kith_env(database_url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KITH_", "TWILIO_", "TELEGRAM_"))
    }
    env.update(
        {
            "KITH_DATABASE_URL": database_url,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "KITH_DEFAULT_SERVICE": "kirklees-carers-options",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def kith_command(*args: str) -> list[str]:
    """`kith ARGS` from this source tree (PYTHONPATH is set in kith_env), never an install."""
    return [sys.executable, "-m", "bot.cli", *args]


async def migrate(database_url: str) -> None:
    """`kith db upgrade` on the database, before it is measured."""
    await asyncio.to_thread(
        subprocess.run,
        kith_command("db", "upgrade"),
        env=kith_env(database_url),
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def pg_database(admin_url: str) -> str | None:
    import asyncpg

    name = f"kith_bench_{os.getpid()}"
    try:
        conn = await asyncpg.connect(
            admin_url.replace("postgresql+asyncpg", "postgresql"), timeout=5
        )
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    results: list[Result] = []
    port = free_port()
    results.append(
        await measure(
            "bare aiohttp, signed (anchor)",
            [sys.executable, str(ANCHOR), str(port), "signed"],
            dict(os.environ),
            port,
            args,
            0,
        )
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await migrate(url)
        port = free_port()
        results.append(
            await measure(
                "Kith, SQLite",
                kith_command("serve", "--port", str(port)),
                kith_env(url),
                port,
                args,
                100_000_000,
            )
        )
    if not args.no_pg:
        pg_url = await pg_database(args.pg)
        if pg_url is None:
            print("PostgreSQL unreachable: skipped", file=sys.stderr)
        else:
            await migrate(pg_url)
            port = free_port()
            results.append(
                await measure(
                    "Kith, PostgreSQL",
                    kith_command("serve", "--port", str(port)),
                    kith_env(pg_url),
                    port,
                    args,
                    200_000_000,
                )
            )
    bare = results[0].throughput
    print(
        f"\n{args.concurrency} connections closed loop, {args.seconds:g} s; open loop "
        f"{args.rate:g} msg/s offered; {args.people} people in order; python "
        f"{sys.version.split()[0]}, {os.cpu_count()} cores\n"
    )
    print(
        "| server | msg/s | ratio to bare | p50 ms | p99 ms | at "
        f"{args.rate:g}/s: achieved | p50 ms | p99 ms | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.name} | {r.throughput:,.0f} | {r.throughput / bare:.2f} | "
            f"{r.closed_p50:.1f} | {r.closed_p99:.1f} | {r.achieved:.1f} | "
            f"{r.open_p50:.1f} | {r.open_p99:.1f} | {r.errors} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
