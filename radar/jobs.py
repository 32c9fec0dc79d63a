"""The service's scheduled jobs, as module-level functions of picklable arguments.

APScheduler's persistent job store keeps each job as a reference to a function
(``radar.jobs:crawl_source``) and its arguments (the config path, a source name), so a
restarted service finds its schedule again. Each job looks up the running service's
context (config, store, alert engine) for that config path, or builds one when run
outside ``radar run``.

Crawls run in their own process (``radar crawl SOURCE --json``) with a timeout, so a
crashing or hanging spider cannot take the service down; the process dies with the
service (PR_SET_DEATHSIG), so a SIGKILLed service leaves no crawl behind to race the
next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from config import RadarConfig, load_config
from index import Store, StoreUnavailable
from index.base import SourceHealth

log = logging.getLogger(__name__)

PR_SET_DEATHSIG = 1
_prctl: Any
try:  # Linux: resolved in the parent, so the child only makes one system call
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # pragma: no cover - not Linux
    _prctl = None


def _die_with_parent() -> None:
    if _prctl is not None:
        _prctl(PR_SET_DEATHSIG, signal.SIGKILL)


@dataclass
class ServiceContext:
    """What the jobs of one running service share."""

    config_path: str
    config: RadarConfig
    store: Store
    engine: Any = None  # alerts.engine.AlertEngine, when the alerting package is installed
    on_crawl_done: Any = None  # callable(source, summary) set by the service
    crawls: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: bool = False
    warmup_until: datetime | None = None  # alert rules wait for first crawls until then
    evaluating: bool = False  # an alert evaluation is running
    evaluate_again: bool = False  # new posts were stored while it ran


_contexts: dict[str, ServiceContext] = {}


def register(ctx: ServiceContext) -> None:
    _contexts[ctx.config_path] = ctx


def unregister(config_path: str) -> None:
    _contexts.pop(config_path, None)


def context(config_path: str) -> ServiceContext:
    """The running service's context, or a fresh one (a job run outside the service)."""
    ctx = _contexts.get(config_path)
    if ctx is None:
        config = load_config(config_path)
        store = config.store.open()
        ctx = ServiceContext(config_path, config, store)
        ctx.engine = make_engine(config, ctx.store)
        _contexts[config_path] = ctx
    return ctx


def make_engine(config: RadarConfig, store: Store) -> Any:
    """The alerting engine (alerts.engine.AlertEngine); None until that package lands."""
    try:
        from alerts.engine import AlertEngine
    except ImportError:
        log.warning("alerts.engine is not available: alert jobs will do nothing")
        return None
    return AlertEngine(config, store)


def now_utc() -> datetime:
    return datetime.now(UTC)


# -- crawling ------------------------------------------------------------------------------
def crawl_command(config_path: str, source: str) -> list[str]:
    return [sys.executable, "-m", "radar", "crawl", source, "--config", config_path, "--json"]


def crawl_source(config_path: str, source: str) -> dict[str, Any]:
    """Crawl one source once in a child process; returns (and logs) its summary."""
    ctx = context(config_path)
    timeout = ctx.config.scheduler.crawl_timeout
    started = now_utc()
    summary: dict[str, Any]
    with ctx.lock:
        if ctx.stopping:
            return {"source": source, "finish_reason": "service stopping"}
        proc = subprocess.Popen(
            crawl_command(config_path, source),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: a timeout kills the lot
            preexec_fn=_die_with_parent,
        )
        ctx.crawls[source] = proc
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        summary = _failed_run(source, started, "timeout", f"no result after {timeout:.0f} s")
        ctx.store.record_crawl_run(source, summary)
        log.error("crawl %s: killed after %.0f s timeout", source, timeout)
        return summary
    finally:
        with ctx.lock:
            ctx.crawls.pop(source, None)
    parsed = _parse_summary(out)
    if parsed is None:
        reason = "stopped" if ctx.stopping else "crashed"
        detail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        summary = _failed_run(
            source, started, reason, " | ".join(detail) or f"exit {proc.returncode}"
        )
        if not ctx.stopping:
            ctx.store.record_crawl_run(source, summary)
            mark_crashing(ctx.store, source, now_utc(), summary["error"], proc.returncode)
            log.error("crawl %s: exit %s without a summary: %s", source, proc.returncode, detail)
        return summary
    summary = parsed
    clear_crashing(ctx.store, source, now_utc())
    summary.setdefault("exit_code", proc.returncode)
    items = summary.get("items") or {}
    log.info(
        "crawl %s: exit %s, %s new, %s updated, %s pages in %.1f s",
        source,
        proc.returncode,
        items.get("new", 0),
        items.get("updated", 0),
        summary.get("pages", 0),
        (now_utc() - started).total_seconds(),
    )
    if ctx.on_crawl_done is not None:
        ctx.on_crawl_done(source, summary)
    return summary


def mark_crashing(
    store: Store, source: str, now: datetime, error: str, exit_code: int | None
) -> SourceHealth:
    """The crawl process died without a summary (at import, with a traceback): the source
    is ``crashing``, a health state like ``paused`` that ``radar status``, ``/healthz``,
    the web UI and the source-health alert rule show. ``streak`` counts the crashes in a
    row; a pause the source was under (a ban) is kept, so fixing the crash does not end
    it early. Written here, not in crawlers/: a crawler that cannot be imported must not
    take this record with it."""
    previous = next(iter(store.get_source_health(source)), None)
    crashing = previous if previous is not None and previous.state == "crashing" else None
    held = previous if previous is not None and previous.state in ("paused", "crashing") else None
    detail: dict[str, Any] = {
        "detail": error[:500],
        "exit_code": exit_code,
        "streak": int(crashing.detail.get("streak", 1)) + 1 if crashing else 1,
        "last_crash": now.isoformat(),
    }
    if held is not None and held.paused_until is not None:
        detail["paused_reason"] = held.detail.get("paused_reason") or held.reason
    health = SourceHealth(
        source=source,
        state="crashing",
        reason="crashed",
        since=crashing.since if crashing and crashing.since else now,
        paused_until=held.paused_until if held else None,
        detail=detail,
    )
    store.set_source_health(health)
    return health


def clear_crashing(store: Store, source: str, now: datetime) -> None:
    """A crawl process ended with a summary: the source is no longer crashing (what the
    run itself found, a ban or a completed crawl, was recorded by the crawl)."""
    previous = next(iter(store.get_source_health(source)), None)
    if previous is None or previous.state != "crashing":
        return
    if previous.paused_until is not None and previous.paused_until > now:
        reason = str(previous.detail.get("paused_reason") or "ban")
        store.set_source_health(
            SourceHealth(source, "paused", reason, since=now, paused_until=previous.paused_until)
        )
    else:
        store.set_source_health(SourceHealth(source=source, state="ok", since=now))


def _parse_summary(out: bytes) -> dict[str, Any] | None:
    """The last JSON object line the crawl printed (``--json``)."""
    for line in reversed(out.decode("utf-8", "replace").strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(data, dict):
                return data
    text = out.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return None
        return data if isinstance(data, dict) else None
    return None


def _failed_run(source: str, started: datetime, reason: str, detail: str) -> dict[str, Any]:
    now = now_utc()
    return {
        "source": source,
        "started_at": started.isoformat(),
        "finished_at": now.isoformat(),
        "duration_s": round((now - started).total_seconds(), 3),
        "finish_reason": reason,
        "completed": False,
        "error": detail[:500],
        "items": {},
        "pages": 0,
    }


def _kill_group(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM the crawl's process group, then SIGKILL what is left after ``grace``."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def stop_crawls(config_path: str, grace: float = 10.0) -> None:
    """Service shutdown: no new crawls; ask running ones to stop (SIGTERM), then kill."""
    ctx = _contexts.get(config_path)
    if ctx is None:
        return
    with ctx.lock:
        ctx.stopping = True
        running = list(ctx.crawls.values())
    for proc in running:
        _kill_group(proc, grace)


# -- alerting --------------------------------------------------------------------------------
def first_crawls_done(ctx: ServiceContext) -> bool:
    """Has every enabled source completed a crawl? Before that the store holds only part
    of the history the rules' baselines are fitted from, and a half-loaded baseline makes
    ordinary traffic look like a surge."""
    for source in ctx.config.sources:
        if source.enabled and not any(
            run.get("completed") for run in ctx.store.crawl_runs(source.name, limit=20)
        ):
            return False
    return True


def _store_down_is_one_line(job: Callable[[str], Any]) -> Callable[[str], Any]:
    """An alert job while the store is unreachable: one warning line and the next run
    tries again (the outbox and the rules lose nothing), not a chained traceback from
    the scheduler every few seconds."""

    @functools.wraps(job)
    def run(config_path: str) -> Any:
        try:
            return job(config_path)
        except StoreUnavailable as exc:
            log.warning("%s skipped, the next run retries: %s", job.__name__, exc)
            return None

    return run


@_store_down_is_one_line
def evaluate_alerts(config_path: str) -> int:
    """Run the alert rules; returns how many case events they produced. During the
    service's warm-up (``ServiceContext.warmup_until``) rules wait for the first crawls.
    Posts stored while an evaluation runs get another evaluation right after it."""
    ctx = context(config_path)
    engine = ctx.engine
    if engine is None:
        return 0
    if ctx.warmup_until is not None and now_utc() < ctx.warmup_until:
        if not first_crawls_done(ctx):
            log.info("alert rules wait for every source's first complete crawl")
            return 0
        ctx.warmup_until = None
    with ctx.lock:
        ctx.evaluating, ctx.evaluate_again = True, False
    produced = 0
    try:
        for _ in range(3):
            events = engine.evaluate(now_utc())
            produced += len(events)
            for event in events:
                log.warning("case %s: %s %s", event.case_id, event.kind, event.text)
            with ctx.lock:
                if not ctx.evaluate_again:
                    break
                ctx.evaluate_again = False
    finally:
        with ctx.lock:
            ctx.evaluating = False
    return produced


def request_evaluation(ctx: ServiceContext) -> bool:
    """New posts are stored: True if the caller should schedule an evaluation now, False
    if the running one will go round again."""
    with ctx.lock:
        if ctx.evaluating:
            ctx.evaluate_again = True
            return False
    return True


@_store_down_is_one_line
def deliver_outbox(config_path: str) -> int:
    engine = context(config_path).engine
    return 0 if engine is None else int(engine.deliver_outbox(now_utc()))


@_store_down_is_one_line
def check_escalations(config_path: str) -> int:
    engine = context(config_path).engine
    return 0 if engine is None else len(engine.check_escalations(now_utc()))


@_store_down_is_one_line
def daily_digest(config_path: str) -> dict[str, Any]:
    """Yesterday, midnight to midnight in the deployment's zone (as the digest page)."""
    from radar.web.digest import day_end

    ctx = context(config_path)
    if ctx.engine is None:
        return {}
    now = now_utc()
    return dict(ctx.engine.daily_digest(day_end(now, ctx.config.timezone), made_at=now))


def send_report(config_path: str, name: str) -> dict[str, Any]:
    """The 舆情简报 of report schedule ``name`` (radar/reports.py), once per period."""
    from radar.reports import send_report as send  # matplotlib etc. only when reports run

    ctx = context(config_path)
    try:
        return send(ctx.config, ctx.store, name, now_utc())
    except StoreUnavailable as exc:
        log.warning("report %s skipped, the next run retries: %s", name, exc)
        return {}
