"""SIGKILL the running service, restart it: schedules resume, no pending notification is
lost or sent twice, no crawl cursor skips posts.

The demo sources run in this test process (so the published stream goes on while the
service is dead) and a Slack stand-in first refuses every message, so notifications are
pending in the outbox when the service is killed."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.loader import load_config
from index import open_store
from radar.demo.server import DemoSources

from .conftest import demo_config, free_port, small_world
from .slack_standin import SlackStandIn

pytestmark = pytest.mark.slow
TOKEN_ENV = "RADAR_TEST_SLACK_TOKEN"


def wait_for(what: str, check: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def start_service(config_path: Path, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "radar", "-v", "run", "--config", str(config_path)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def crawl_processes(config_path: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"crawl" in cmd and str(config_path).encode() in cmd:
            pids.append(int(entry.name))
    return pids


def completed_after(store, source: str, moment: datetime) -> dict[str, Any] | None:
    for run in store.crawl_runs(source, limit=20):
        if run.get("completed") and datetime.fromisoformat(run["started_at"]) > moment:
            return run
    return None


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """Not pytest's tmp_path: other pytest sessions on this machine prune old base temp
    directories, which would delete the store under the running service."""
    path = Path(tempfile.mkdtemp(prefix="radar-restart-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_sigkill_then_restart_loses_nothing(private_dir: Path, monkeypatch: pytest.MonkeyPatch):
    tmp_path = private_dir
    monkeypatch.setenv(TOKEN_ENV, "xoxb-test-token")
    slack = SlackStandIn(free_port())
    slack.failing = True
    slack.start()
    data = demo_config(tmp_path, free_port(), alert_interval="2s", outbox_interval="1s")
    data["scheduler"]["max_concurrent_crawls"] = 3
    data["sources"][0]["max_pages"] = 80  # the first crawl reads all history (no page cap)
    data["slack"] = {
        "token": {"$env": TOKEN_ENV},
        "base_url": slack.base_url,
        "retry_base": "1s",
        "retry_max": "2s",
        "timeout": "5s",
    }
    config_path = tmp_path / "radar.yaml"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = load_config(config_path)
    demo = DemoSources(config, world=small_world(config, history=0.4))
    demo.start()
    env = {**os.environ, TOKEN_ENV: "xoxb-test-token"}
    log = tmp_path / "service.log"
    store = open_store(config.store.url)
    started: list[subprocess.Popen[bytes]] = []
    try:
        # 1. run until the crisis has opened a case whose message Slack keeps refusing
        first = start_service(config_path, log, env)
        started.append(first)
        case = wait_for(
            "a crisis case",
            lambda: next(iter(store.list_cases(brand="极光汽车")), None),
            timeout=150,
        )
        # other notifications (another brand's case, the digest) may be refused first:
        # wait for this case's own message to have been tried
        wait_for(
            "Slack refusing the case message",
            lambda: (
                (n := store.get_notification(f"{case.id}:alert")) is not None and n.attempts >= 1
            ),
            timeout=30,
        )
        wait_for("a crawl in flight", lambda: crawl_processes(config_path), timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = datetime.now(UTC)
        # the crawl processes die with the service (no orphan racing the next run)
        wait_for("crawl processes to die", lambda: not crawl_processes(config_path), 10)
        alert = store.get_notification(f"{case.id}:alert")
        assert alert is not None and alert.delivered_at is None and alert.attempts >= 1

        # 2. Slack is back; restart: the schedule resumes, the outbox drains once
        slack.failing = False
        time.sleep(3)  # posts published while the service is down
        second = start_service(config_path, log, env)
        started.append(second)
        banner = wait_for(
            "the restart banner",
            lambda: (
                (m := re.findall(r"resumed (\d+), new (\d+), removed (\d+)", log.read_text()))
                and len(m) == 2
                and m
            ),
            timeout=60,
        )
        assert banner[-1] == ("7", "0", "0")  # every job found in the store, none re-added
        runs = {
            s.name: wait_for(
                f"a complete crawl of {s.name} after the restart",
                lambda s=s: completed_after(store, s.name, killed_at),
                120,
            )
            for s in config.sources
        }
        wait_for(
            "the outbox to drain",
            lambda: not store.due_notifications(datetime.now(UTC) + timedelta(days=1)),
            timeout=60,
        )
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0
    except BaseException:
        print(log.read_text(encoding="utf-8", errors="replace")[-8000:])  # shown on failure
        raise
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        demo.stop()
        slack.stop()
    assert "stopped" in log.read_text()

    # no pending notification lost or sent twice
    assert store.get_notification(f"{case.id}:alert").delivered_at is not None
    notified = [
        e for c in store.list_cases() for e in store.case_events(c.id) if e.kind == "notified"
    ]
    keys = [e.data["key"] for e in notified]
    assert len(keys) == len(set(keys))
    assert f"{case.id}:alert" in keys
    sent = [(m.get("channel"), m.get("thread_ts"), m.get("text")) for m in slack.delivered]
    assert len(sent) == len(set(sent)) == len(notified)

    # no crawl cursor skipped a post: everything published before the post-restart crawls
    # began is stored
    world = demo.world
    terms = {b.name: b.match_terms for b in config.brands}

    def before(source: str) -> datetime:
        return datetime.fromisoformat(runs[source]["started_at"]) - timedelta(seconds=2)

    weibo = [
        f"t-weibo:{p.id}"
        for p in world.published(before("t-weibo"), "weibo")
        if any(t in p.text for t in terms[p.brand])
    ]
    forums = set(config.source("t-tieba").forum_ids)
    tieba = [
        f"t-tieba:{p.id}"
        for p in world.published(before("t-tieba"), "tieba")
        if p.forum in forums and any(t in p.title + p.text for t in terms[p.brand])
    ]

    def feed_id(article_id: str) -> str:  # the feed spider's id: sha1 of the entry's guid
        guid = f"{demo.url}/news/article/{article_id}.html"
        return "t-news:" + hashlib.sha1(guid.encode()).hexdigest()[:20]

    news = [feed_id(p.id) for p in world.published(before("t-news"), "news")][-30:]
    for name, ids in (("weibo", weibo), ("tieba", tieba), ("news", news)):
        found = {m.id for m in store.get_mentions(ids)}
        missing = [i for i in ids if i not in found]
        when = sorted(
            str(world.get(i.split(":", 1)[1], datetime.now(UTC)).published)
            for i in missing[:5]
            if name != "news"
        )
        assert not missing, f"{name}: {len(missing)} of {len(ids)} posts never stored {when}"
    store.close()
