"""A crawl runs in its own process: a hanging one is killed at the timeout, a crashing one
is recorded, neither takes the service down; at most max_concurrent_crawls run at once."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest

from config.loader import validate_data
from index import open_store
from radar import jobs
from radar.scheduler import build_scheduler, sync_jobs, wanted_jobs

from .conftest import demo_config, free_port


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = validate_data(demo_config(tmp_path, free_port(), crawl_timeout="2s"), "test")
    store = open_store(config.store.url)
    context = jobs.ServiceContext("test.yaml", config, store)
    jobs.register(context)
    yield context
    jobs.unregister("test.yaml")
    store.close()


def fake_crawl(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    monkeypatch.setattr(
        jobs, "crawl_command", lambda config_path, source: [sys.executable, "-c", code]
    )


def test_a_hanging_crawl_is_killed_at_the_timeout(ctx, monkeypatch):
    fake_crawl(monkeypatch, "import time\nwhile True: time.sleep(1)")
    t0 = time.monotonic()
    summary = jobs.crawl_source("test.yaml", "t-weibo")
    assert time.monotonic() - t0 < 10
    assert summary["finish_reason"] == "timeout" and not summary["completed"]
    assert ctx.store.crawl_runs("t-weibo")[0]["finish_reason"] == "timeout"
    assert not ctx.crawls


def test_a_crashing_crawl_is_recorded(ctx, monkeypatch):
    fake_crawl(monkeypatch, "import sys\nsys.stderr.write('Traceback: boom\\n')\nsys.exit(3)")
    summary = jobs.crawl_source("test.yaml", "t-tieba")
    assert summary["finish_reason"] == "crashed"
    assert "boom" in summary["error"]
    assert ctx.store.crawl_runs("t-tieba")[0]["finish_reason"] == "crashed"


def test_a_crashing_crawl_is_a_health_state_with_a_case(ctx, monkeypatch):
    """`radar crawl` dying at import: the source is ``crashing`` (radar status, /healthz),
    a source-health case opens at the ladder's first step; a crawl that comes back with
    a summary ends the state and the case calms."""
    from alerts.engine import AlertEngine
    from radar.status import collect

    error = "ModuleNotFoundError: No module named lxml_html_clean"
    fake_crawl(monkeypatch, f"import sys\nsys.stderr.write({error!r})\nsys.exit(1)")
    jobs.crawl_source("test.yaml", "t-tieba")
    jobs.crawl_source("test.yaml", "t-tieba")
    (health,) = ctx.store.get_source_health("t-tieba")
    assert health.state == "crashing" and health.detail["streak"] == 2
    assert "lxml_html_clean" in health.detail["detail"]
    status = {s["name"]: s for s in collect(ctx.config)["sources"]}
    assert status["t-tieba"]["health"]["state"] == "crashing"
    assert status["t-tieba"]["last_crawl"]["finish_reason"] == "crashed"

    engine = AlertEngine(ctx.config, ctx.store)
    events = engine.evaluate(jobs.now_utc())
    (opened,) = [e for e in events if e.kind == "alerted"]
    case = ctx.store.get_case(opened.case_id)
    assert case.brand == "source:t-tieba" and case.rule == "source_health"
    assert "采集连续崩溃 2 次" in case.title  # the deployment's language (zh_CN)
    assert ctx.config.alerts.source_health.escalate_to == 0  # ops, not executives

    fake_crawl(monkeypatch, 'print(\'{"completed": true, "items": {}}\')')
    jobs.crawl_source("test.yaml", "t-tieba")
    (health,) = ctx.store.get_source_health("t-tieba")
    assert health.state == "ok"


def test_a_crash_during_a_pause_keeps_the_pause(ctx, monkeypatch):
    from datetime import timedelta

    from crawlers.health import Block, pause_source, paused_until

    now = jobs.now_utc()
    pause_source(ctx.store, "t-news", Block("captcha", "x"), now, 3600, 7200)
    fake_crawl(monkeypatch, "raise SystemExit(1)")
    jobs.crawl_source("test.yaml", "t-news")
    (health,) = ctx.store.get_source_health("t-news")
    assert health.state == "crashing" and paused_until(ctx.store, "t-news", now) is not None
    fake_crawl(monkeypatch, 'print(\'{"completed": false, "items": {}}\')')
    jobs.crawl_source("test.yaml", "t-news")
    (health,) = ctx.store.get_source_health("t-news")
    assert health.state == "paused" and health.reason == "captcha"
    assert health.paused_until is not None and health.paused_until > now + timedelta(minutes=50)


def test_a_completed_crawl_hands_its_summary_to_the_service(ctx, monkeypatch):
    result = {"source": "t-news", "completed": True, "items": {"new": 3}, "pages": 2}
    fake_crawl(monkeypatch, f"print('log line')\nprint({json.dumps(json.dumps(result))})")
    seen = []
    ctx.on_crawl_done = lambda source, summary: seen.append((source, summary))
    summary = jobs.crawl_source("test.yaml", "t-news")
    assert summary["items"] == {"new": 3} and summary["exit_code"] == 0
    assert seen == [("t-news", summary)]


def test_concurrent_crawls_are_capped(ctx, monkeypatch, tmp_path):
    ctx.config.scheduler.max_concurrent_crawls = 1
    ctx.config.scheduler.crawl_timeout = 30
    log = tmp_path / "spans.txt"
    fake_crawl(
        monkeypatch,
        (
            "import time,sys\n"
            f"open({str(log)!r}, 'a').write(f'start {{time.time()}}\\n')\n"
            "time.sleep(0.8)\n"
            f"open({str(log)!r}, 'a').write(f'end {{time.time()}}\\n')\n"
            'print(\'{"completed": true, "items": {}}\')\n'
        ),
    )
    scheduler = build_scheduler(ctx.config)
    scheduler.start(paused=True)
    sync_jobs(
        scheduler, [s for s in wanted_jobs(ctx.config, "test.yaml") if s.id.startswith("crawl:")]
    )
    from datetime import datetime

    for job in scheduler.get_jobs():
        job.modify(next_run_time=datetime.now(scheduler.timezone))
    scheduler.resume()
    deadline = time.monotonic() + 20
    while log.read_text().count("end") < 3 if log.exists() else True:
        assert time.monotonic() < deadline, "crawls did not finish"
        time.sleep(0.1)
    scheduler.shutdown(wait=True)
    events = [line.split() for line in log.read_text().splitlines()]
    running = peak = 0
    for kind, _ in sorted(events, key=lambda e: float(e[1])):
        running += 1 if kind == "start" else -1
        peak = max(peak, running)
    assert peak == 1


def test_stop_crawls_terminates_running_crawl_processes(ctx, monkeypatch):
    fake_crawl(monkeypatch, "import time\nwhile True: time.sleep(1)")
    ctx.config.scheduler.crawl_timeout = 60
    results = []
    worker = threading.Thread(
        target=lambda: results.append(jobs.crawl_source("test.yaml", "t-weibo"))
    )
    worker.start()
    deadline = time.monotonic() + 10
    while not ctx.crawls:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc = next(iter(ctx.crawls.values()))
    jobs.stop_crawls("test.yaml", grace=2)
    worker.join(timeout=10)
    assert proc.poll() is not None
    assert results and results[0]["finish_reason"] == "stopped"
    # once stopping, no new crawl starts
    assert jobs.crawl_source("test.yaml", "t-tieba")["finish_reason"] == "service stopping"
