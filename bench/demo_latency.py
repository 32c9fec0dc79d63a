"""End-to-end latency of the offline demo, and the idle service's resident memory.

Runs ``radar run`` on a copy of config/demo.yaml (its own store, free ports, same
settings otherwise) and measures, from outside, what a user of ``make run`` sees:

- latency: from the scripted crisis's first post appearing at its demo source (the demo
  publishes its timeline at ``/demo/crisis``) to the crisis case's ``opened_at``; the goal
  is at most the source's crawl interval + 60 s;
- that the case is on the case board (``GET /api/cases``), in the console notifier's
  output, and that search finds the crisis posts (``GET /api/search``);
- the service process's resident memory while idle (no crawl running), after the case;
- how long SIGTERM takes to stop it.

Prints one JSON object. Takes 3-5 minutes: ``.venv/bin/python bench/demo_latency.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import open_store  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str, token: str | None = None) -> Any:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def wait_for(what: str, check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(1)
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="radar-demo-bench-"))
    data = yaml.safe_load((ROOT / "config/demo.yaml").read_text(encoding="utf-8"))
    demo_port, web_port = free_port(), free_port()
    data["store"]["url"] = f"sqlite:///{work / 'radar.db'}"
    data["demo"]["port"] = demo_port
    for source in data["sources"]:
        source["base_url"] = source["base_url"].replace(":8765", f":{demo_port}")
    data["web"]["port"] = web_port
    token = secrets.token_urlsafe(24)
    for user in data["web"]["users"]:
        if user["name"] == "admin":
            user["api_token_hash"] = hashlib.sha256(token.encode()).hexdigest()
    config_path = work / "demo.yaml"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    log_path = work / "service.log"
    web = f"http://127.0.0.1:{web_port}"
    demo = f"http://127.0.0.1:{demo_port}"

    started = datetime.now(UTC)
    with log_path.open("wb") as log:
        service = subprocess.Popen(
            [sys.executable, "-m", "radar", "-v", "run", "--config", str(config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        crisis = wait_for("the demo sources", lambda: get_json(f"{demo}/demo/crisis"), 60)
        brand = crisis["brand"]
        first_post = datetime.fromisoformat(crisis["first_post_at"])
        store = open_store(data["store"]["url"])
        case = wait_for(
            "the crisis case",
            lambda: next(iter(store.list_cases(brand=brand)), None),
            timeout=420,
        )
        latency = (case.opened_at - first_post).total_seconds()
        weibo = next(s for s in data["sources"] if s["kind"] == "weibo")
        interval = float(str(weibo["interval"]).rstrip("s"))
        board = get_json(f"{web}/api/cases", token)
        on_board = case.id in json.dumps(board)
        notified = wait_for(
            "the console notifier's message",
            lambda: f"{case.id}:alert" in log_path.read_text(encoding="utf-8", errors="replace"),
            60,
        )
        query = quote(f"刹车失灵 brand:{brand}")
        found = get_json(f"{web}/api/search?q={query}&range=24h", token)
        # idle memory: the service process alone, sampled while no crawl is running
        samples: list[int] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(samples) < 15:
            if not children(service.pid):
                samples.append(rss_kib(service.pid))
            time.sleep(2)
        store.close()
        t0 = time.monotonic()
        service.send_signal(signal.SIGTERM)
        code = service.wait(timeout=120)
        stop_s = time.monotonic() - t0
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
    print(
        json.dumps(
            {
                "crisis_brand": brand,
                "service_started_at": started.isoformat(),
                "crisis_first_post_at": first_post.isoformat(),
                "case_id": case.id,
                "case_rule": case.rule,
                "case_severity": str(case.severity),
                "case_opened_at": case.opened_at.isoformat(),
                "latency_s": round(latency, 1),
                "latency_goal_s": interval + 60,
                "latency_ok": latency <= interval + 60,
                "case_opened_after_start_s": round((case.opened_at - started).total_seconds(), 1),
                "on_case_board": on_board,
                "in_console_notifier": bool(notified),
                "search_hits_for_crisis": found.get("total"),
                "idle_rss_mib": {
                    "samples": len(samples),
                    "median": round(statistics.median(samples) / 1024, 1) if samples else None,
                    "max": round(max(samples) / 1024, 1) if samples else None,
                },
                "sigterm_exit_code": code,
                "sigterm_stop_s": round(stop_s, 1),
                "workdir": str(work),
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    if os.environ.get("RADAR_BENCH_KEEP") is None:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
