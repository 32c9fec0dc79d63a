"""``radar run``: the long-running service.

One process holds the scheduler (crawls, alerting, digest — see scheduler.py), the web UI
+ JSON API (uvicorn in a thread) and, with ``demo.enabled``, the bundled demo sources.
SIGTERM/SIGINT stop it cleanly: no new jobs, running crawls are asked to stop, running
jobs are waited for. A SIGKILL loses nothing either: the schedule is in the job store,
crawl cursors advance only after their posts are stored, notifications wait in the
store's outbox.

A lock file beside the job store keeps a second service on the same config from
running the same jobs twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import uvicorn
from apscheduler.jobstores.base import JobLookupError

from config import DEFAULT_CONFIG, RadarConfig, load_config
from config.i18n import format_datetime, use_locale, zone_name
from config.schema import UserConfig
from index import Store, StoreError
from radar import jobs
from radar.checks import config_warnings
from radar.scheduler import build_scheduler, jobs_db_path, sync_jobs, wanted_jobs

log = logging.getLogger(__name__)

WARMUP = 600.0  # seconds alert rules wait, at most, for every source's first crawl


class ServiceError(RuntimeError):
    """The service cannot start (port in use, another instance running, …)."""


def lock_path(config: RadarConfig) -> Path:
    return jobs_db_path(config).with_suffix(".lock")


def demo_state_path(config: RadarConfig) -> Path:
    return jobs_db_path(config).with_name("demo-state.json")


def running_pid(config: RadarConfig) -> int | None:
    """The pid of the service running on this config, if any (its lock is held)."""
    path = lock_path(config)
    if not path.exists():
        return None
    with path.open("r+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = fh.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


def _now() -> datetime:
    return datetime.now().astimezone()


def local_clock(at: datetime, tz: str, locale: str, now: datetime | None = None) -> str:
    """``12月5日 09:31:30 北京时间 (+08:00)`` (``Dec 5 09:31:30 Asia/Shanghai (+08:00)``): a
    moment in the configured zone, dated as the pages date it (config.i18n.format_datetime;
    the year too when it is not ``now``'s year there) and the zone named as the pages and
    the digests name it, with its offset. The banner printed the demo's crisis in the
    machine's time with no zone (a server on UTC read 01:31:30 for a crisis the web UI
    showed at 09:31), then the time of day only (a crisis after midnight read as today)."""
    local = at.astimezone(ZoneInfo(tz))
    this_year = (now or _now()).astimezone(ZoneInfo(tz)).year
    with use_locale(locale):
        zone = zone_name(tz, local)
        day = format_datetime(local, tz, "day" if local.year == this_year else "date")
    offset = local.isoformat()[-6:]
    if zone.startswith("UTC"):  # a zone without a place is named by its offset already
        return f"{day} {local:%H:%M:%S} {zone}"
    return f"{day} {local:%H:%M:%S} {zone} ({offset})"


def demo_password(config: RadarConfig, user: UserConfig) -> str | None:
    """The published demo password (``radar-<name>``, see README) when ``user``'s hash
    matches it in a demo config; None otherwise, so no other password is ever shown."""
    if not config.demo.enabled or not isinstance(user.password_hash, str):
        return None
    from argon2 import PasswordHasher
    from argon2.exceptions import Argon2Error, InvalidHashError

    guess = f"radar-{user.name}"
    try:
        PasswordHasher().verify(user.password_hash, guess)
    except (Argon2Error, InvalidHashError):
        return None
    return guess


class Service:
    def __init__(self, config_path: str | None, out: TextIO | None = None) -> None:
        self.config_path = str(Path(config_path or DEFAULT_CONFIG).resolve())
        self.config = load_config(self.config_path)
        self.out = out
        self.store: Store | None = None
        self.scheduler: Any = None
        self.demo: Any = None
        self._web: uvicorn.Server | None = None
        self._web_thread: threading.Thread | None = None
        self._lock_file: TextIO | None = None
        self._stop = threading.Event()
        self._signalled = False
        self.started_at: datetime | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._take_lock()
        cfg = self.config
        self.store = cfg.store.open()
        # an unreachable or read-only store stops start-up here, named, rather than the
        # service announcing itself and every job then failing with a traceback a minute
        if (why := self.store.check_writable()) is not None:
            raise StoreError(f"{cfg.store.url} refuses writes: {why}")
        ctx = jobs.ServiceContext(self.config_path, cfg, self.store)
        ctx.engine = jobs.make_engine(cfg, self.store)
        ctx.on_crawl_done = self._crawl_done
        ctx.warmup_until = jobs.now_utc() + timedelta(seconds=WARMUP)
        jobs.register(ctx)
        if cfg.demo.enabled:
            self._start_demo()
        self.scheduler = build_scheduler(cfg)
        self.scheduler.start(paused=True)
        report = sync_jobs(self.scheduler, wanted_jobs(cfg, self.config_path))
        self._first_runs(report["added"])
        self.scheduler.resume()
        self._start_web()
        self.started_at = jobs.now_utc()
        self._banner(report)

    def _take_lock(self) -> None:
        path = lock_path(self.config)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = path.open("a+")
        except OSError as exc:
            # it lives beside the job store: scheduler.jobs_db, by default beside the store
            key = "scheduler.jobs_db" if self.config.scheduler.jobs_db else "store.url"
            raise ServiceError(
                f"{self.config_path}: {key}: cannot create the service's lock file {path} "
                f"there: {exc.strerror or exc}"
            ) from None
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            pid = fh.read().strip()
            fh.close()
            # the other service may run another config file over the same store and jobs
            raise ServiceError(
                f"another radar service (pid {pid or '?'}) is already running over this "
                f"store ({self.config.store.url}, lock {path}): stop it, or give "
                f"{self.config_path} its own store.url and web.port (and demo.port)"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._lock_file = fh

    def _start_demo(self) -> None:
        from radar.demo.server import DemoSources

        self.demo = DemoSources(self.config, demo_state_path(self.config))
        try:
            self.demo.start()
        except RuntimeError as exc:
            raise ServiceError(str(exc)) from None

    def _first_runs(self, added: list[str]) -> None:
        """A job new to the store runs at once (crawls first), not one interval later."""
        now = datetime.now(self.scheduler.timezone)
        for job_id in added:
            if job_id.startswith("crawl:") or job_id == "alerts:evaluate":
                self.scheduler.modify_job(job_id, next_run_time=now)

    def _start_web(self) -> None:
        try:
            from radar.web.app import create_app
        except ImportError as exc:
            log.warning("web UI not available (%s); running without it", exc)
            return
        assert self.store is not None
        app = create_app(self.config, self.store)
        web = self.config.web
        self._web = uvicorn.Server(
            uvicorn.Config(
                app,
                host=web.host,
                port=web.port,
                log_level="warning",
                lifespan="on",
                access_log=False,
            )
        )
        self._web_thread = threading.Thread(target=self._web.run, name="web", daemon=True)
        self._web_thread.start()
        deadline = time.monotonic() + 15
        while not self._web.started:
            if not self._web_thread.is_alive() or time.monotonic() > deadline:
                raise ServiceError(
                    f"web UI could not start on {web.host}:{web.port} (port in use?)"
                )
            time.sleep(0.05)

    def _crawl_done(self, source: str, summary: dict[str, Any]) -> None:
        """New posts stored: evaluate the alert rules now rather than at the next minute."""
        items = summary.get("items") or {}
        if not (items.get("new") or items.get("updated")) or self.scheduler is None:
            return
        ctx = jobs.context(self.config_path)
        if not jobs.request_evaluation(ctx):
            return
        with contextlib.suppress(JobLookupError):
            self.scheduler.modify_job(
                "alerts:evaluate", next_run_time=datetime.now(self.scheduler.timezone)
            )

    def request_stop(self, *_: object) -> None:
        self._stop.set()

    def _on_signal(self, signum: int, frame: object) -> None:
        """SIGTERM/SIGINT: only a flag. The handler runs in the main thread between two
        bytecodes, possibly inside ``Event.wait`` while it holds the event's (not
        re-entrant) lock, so calling ``Event.set`` here could block forever — seen as a
        ``radar run`` that ignored every further SIGTERM until killed."""
        self._signalled = True

    def wait(self) -> None:
        """Block until SIGTERM/SIGINT (or ``request_stop``)."""
        self._signalled = False
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        while not self._signalled and not self._stop.wait(0.5):
            pass

    def stop(self) -> None:
        started = self._lock_file is not None  # else start() stopped before anything ran
        if started:
            self._say("stopping: waiting for running jobs, stopping crawls …")
        jobs.stop_crawls(self.config_path)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self._web is not None:
            self._web.should_exit = True
            if self._web_thread is not None:
                self._web_thread.join(timeout=10)
        if self.demo is not None:
            self.demo.stop()
        jobs.unregister(self.config_path)
        if self.store is not None:
            self.store.close()
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
        if started:
            self._say("stopped")

    # -- output -------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)

    def _banner(self, report: dict[str, list[str]]) -> None:
        cfg = self.config
        host = cfg.web.host
        url = cfg.web.public_url or f"http://{host}:{cfg.web.port}"
        lines = [f"舆情雷达 Opinion Radar — service running (pid {os.getpid()})"]
        lines.append(f"  config     {self.config_path}")
        lines.append(f"  store      {cfg.store.url}")
        lines.append(
            f"  jobs       {jobs_db_path(cfg)} (resumed {len(report['kept'])}, "
            f"new {len(report['added'])}, removed {len(report['removed'])})"
        )
        if self._web is not None:
            lines.append(f"  web UI     {url}/")
        else:
            lines.append("  web UI     not available")
        for user in cfg.web.users:
            password = demo_password(cfg, user)
            shown = f" / {password}" if password else ""
            lines.append(f"  login      {user.name}{shown} ({user.role})")
        if self.demo is not None:
            lines.append(
                f"  demo       sources on {self.demo.url}; crisis for "
                f"{cfg.demo.crisis_brand or '-'} at "
                + local_clock(self.demo.world.crisis_start, cfg.scheduler.timezone, cfg.locale)
            )
        notifier = "Slack" if cfg.slack.token else "console (no Slack token set)"
        targets = sorted(cfg.notify.known_targets())
        lines.append(f"  alerts     {notifier}{' + ' + ', '.join(targets) if targets else ''}")
        lines += [f"  warning    {w}" for w in config_warnings(cfg)]
        for s in cfg.sources:
            state = f"every {s.interval:g}s" if s.enabled else "disabled"
            lines.append(f"  source     {s.name:<16} {s.kind}/{s.mode} {state}")
        lines.append("Stop with Ctrl-C (SIGTERM).")
        self._say("\n".join(lines))
