"""A login flood against a real server: peak memory and whether the real user gets in.

Starts ``radar web serve`` on loopback with one user whose password hash has argon2's
production parameters (64 MiB per check), sends N concurrent wrong passwords from
127.0.0.1, then logs in with the right password from 127.0.0.2 (another address: at
once) and from 127.0.0.1 (refused until the throttle window has passed); with
``--spread`` each wrong login comes from its own address, so only the bound on
concurrent argon2 checks (radar.web.auth.CONCURRENT_PASSWORD_CHECKS) holds memory down. The server's
peak resident memory is its VmHWM from /proc. Issue 16 probe 2: 16 concurrent wrong
logins took the server from 84 MiB to 1,058 MiB; the goal is < 300 MiB at 100.

    .venv/bin/python bench/login_flood.py --n 100
    .venv/bin/python bench/login_flood.py --n 100 --spread

Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from radar.web.auth import hash_password

PASSWORD = "the right password 2026"
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def login(client: httpx.AsyncClient, password: str) -> int:
    page = await client.get("/login")
    m = TOKEN.search(page.text)
    assert m, page.text[:200]
    data = {"name": "pr", "password": password, "next": "/", "csrftoken": m.group(1)}
    return (await client.post("/login", data=data)).status_code


async def spread_flood(base: str, n: int) -> dict[str, object]:
    """N wrong logins at once, each from its own loopback address (no throttle applies:
    only the bound on concurrent password checks keeps memory down)."""

    async def one(k: int) -> int:
        transport = httpx.AsyncHTTPTransport(local_address=f"127.0.1.{k + 1}")
        async with httpx.AsyncClient(base_url=base, transport=transport, timeout=300) as c:
            return await login(c, "wrong")

    started = time.perf_counter()
    codes = await asyncio.gather(*(one(k) for k in range(n)))
    return {
        "answers": dict(Counter(codes)),
        "flood_seconds": round(time.perf_counter() - started, 2),
    }


async def flood(base: str, n: int) -> dict[str, object]:
    attacker = httpx.AsyncClient(
        base_url=base, transport=httpx.AsyncHTTPTransport(local_address="127.0.0.1"),
        timeout=120, limits=httpx.Limits(max_connections=n),
    )  # fmt: skip
    async with attacker:
        page = await attacker.get("/login")
        token = TOKEN.search(page.text)
        assert token
        data = {"name": "pr", "password": "wrong", "next": "/", "csrftoken": token.group(1)}
        started = time.perf_counter()
        answers = await asyncio.gather(*(attacker.post("/login", data=data) for _ in range(n)))
        seconds = time.perf_counter() - started
        same_address = await login(attacker, PASSWORD)
    elsewhere = httpx.AsyncClient(
        base_url=base, transport=httpx.AsyncHTTPTransport(local_address="127.0.0.2"), timeout=60
    )
    async with elsewhere:
        other_address = await login(elsewhere, PASSWORD)
    return {
        "answers": dict(Counter(r.status_code for r in answers)),
        "flood_seconds": round(seconds, 2),
        "right_password_same_address": same_address,
        "right_password_other_address": other_address,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="concurrent wrong logins")
    parser.add_argument(
        "--spread", action="store_true", help="each login from its own address (max 250)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "radar.yaml"
        config.write_text(
            f"store: {{url: 'sqlite:///{tmp}/radar.db'}}\n"
            "web:\n  users:\n"
            f"    - {{name: pr, role: pr, password_hash: '{hash_password(PASSWORD)}'}}\n",
            encoding="utf-8",
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "radar", "web", "serve", "--config", str(config),
             "--host", "127.0.0.1", "--port", str(port)],
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code in (200, 503):
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            before = memory_kib(server.pid, "VmRSS")
            result = asyncio.run((spread_flood if args.spread else flood)(base, args.n))
            peak = memory_kib(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        json.dumps(
            {
                "concurrent_wrong_logins": args.n,
                "from_distinct_addresses": args.spread,
                "server_rss_before_mib": round(before / 1024, 1),
                "server_peak_rss_mib": round(peak / 1024, 1),
                **result,
            }
        )
    )


if __name__ == "__main__":
    main()
