"""The service's APScheduler: a persistent job store and the list of jobs it must hold.

- Job store: SQLAlchemy on a SQLite file (``scheduler.jobs_db``, default ``jobs.db``
  beside the SQLite store), so a restarted service finds its schedule where it left it.
- Missed runs are coalesced into one (``coalesce=True``) and run however late
  (``misfire_grace_time=None``), except the daily digest, which is skipped when more than
  6 hours late. ``max_instances=1``: a source is never crawled twice at once.
- Executors: ``crawls`` holds ``max_concurrent_crawls`` threads (each waits on one crawl
  process), so at most that many crawls run at once; ``alerts`` runs the alerting jobs
  one at a time, so they never race each other.
- ``sync_jobs`` keeps a stored job whose definition is unchanged (its next run time
  survives the restart) and replaces or removes the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from config import RadarConfig
from radar import jobs

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
DIGEST_GRACE = 6 * 3600
ESCALATION_INTERVAL = 60.0


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[..., Any]
    args: tuple[Any, ...]
    trigger: BaseTrigger
    signature: str  # what the job is; a stored job with another signature is replaced
    executor: str = "alerts"
    misfire_grace_time: int | None = None

    @property
    def name(self) -> str:
        return f"{self.id} [{self.signature}]"


def jobs_db_path(config: RadarConfig) -> Path:
    """Where the job store lives: ``scheduler.jobs_db``, else beside the SQLite store,
    else ``var/radar-jobs.db``."""
    if config.scheduler.jobs_db:
        return Path(config.scheduler.jobs_db)
    return config.local_file("jobs")


def wanted_jobs(config: RadarConfig, config_path: str) -> list[JobSpec]:
    sched = config.scheduler
    specs = [
        JobSpec(
            id=f"crawl:{s.name}",
            func=jobs.crawl_source,
            args=(config_path, s.name),
            trigger=IntervalTrigger(seconds=s.interval, timezone=sched.timezone),
            signature=f"crawl {s.name} every {s.interval:g}s",
            executor="crawls",
        )
        for s in config.sources
        if s.enabled
    ]
    hour, minute = (int(x) for x in sched.digest_time.split(":"))
    specs += [
        JobSpec(
            "alerts:evaluate",
            jobs.evaluate_alerts,
            (config_path,),
            IntervalTrigger(seconds=sched.alert_interval, timezone=sched.timezone),
            f"evaluate every {sched.alert_interval:g}s",
        ),
        JobSpec(
            "alerts:outbox",
            jobs.deliver_outbox,
            (config_path,),
            IntervalTrigger(seconds=sched.outbox_interval, timezone=sched.timezone),
            f"deliver every {sched.outbox_interval:g}s",
        ),
        JobSpec(
            "alerts:escalations",
            jobs.check_escalations,
            (config_path,),
            IntervalTrigger(seconds=ESCALATION_INTERVAL, timezone=sched.timezone),
            f"escalations every {ESCALATION_INTERVAL:g}s",
        ),
        JobSpec(
            "alerts:digest",
            jobs.daily_digest,
            (config_path,),
            CronTrigger(hour=hour, minute=minute, timezone=sched.timezone),
            f"digest daily at {sched.digest_time} {sched.timezone}",
            misfire_grace_time=DIGEST_GRACE,
        ),
    ]
    for report in config.reports:  # 舆情简报 mailed to executives (radar/reports.py)
        hour, minute = (int(x) for x in report.at.split(":"))
        days = report.weekday or "*"
        specs.append(
            JobSpec(
                f"report:{report.name}",
                jobs.send_report,
                (config_path, report.name),
                CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=sched.timezone),
                f"report {report.name} ({report.days}d) at {report.at} on {days} to {report.to}",
                misfire_grace_time=DIGEST_GRACE,
            )
        )
    return specs


def build_scheduler(config: RadarConfig) -> BackgroundScheduler:
    db = jobs_db_path(config)
    db.parent.mkdir(parents=True, exist_ok=True)
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{db}")},
        executors={
            "crawls": ThreadPoolExecutor(config.scheduler.max_concurrent_crawls),
            "alerts": ThreadPoolExecutor(1),
        },
        job_defaults=JOB_DEFAULTS,
        timezone=config.scheduler.timezone,
    )


def sync_jobs(scheduler: BackgroundScheduler, specs: list[JobSpec]) -> dict[str, list[str]]:
    """Make the job store hold exactly ``specs``; returns which ids were kept (resumed),
    added (new or changed) and removed. The scheduler must be started (paused is fine)."""
    stored = {job.id: job for job in scheduler.get_jobs()}
    wanted = {spec.id: spec for spec in specs}
    report: dict[str, list[str]] = {"kept": [], "added": [], "removed": []}
    for job_id, job in stored.items():
        if job_id not in wanted:
            job.remove()
            report["removed"].append(job_id)
    for spec in specs:
        job = stored.get(spec.id)
        if job is not None and job.name == spec.name and tuple(job.args) == spec.args:
            report["kept"].append(spec.id)
            continue
        scheduler.add_job(
            spec.func,
            trigger=spec.trigger,
            args=spec.args,
            id=spec.id,
            name=spec.name,
            executor=spec.executor,
            misfire_grace_time=spec.misfire_grace_time,
            replace_existing=True,
        )
        report["added"].append(spec.id)
    return report
