"""The persistent schedule: jobs survive a restart, changed jobs are replaced, missed runs
are coalesced into one."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger

from config.loader import validate_data
from radar.scheduler import JobSpec, build_scheduler, jobs_db_path, sync_jobs, wanted_jobs

from .conftest import demo_config, free_port

RUNS: list[str] = []


def record_run(tag: str) -> None:
    """A job function importable by reference, as the SQLAlchemy job store requires."""
    RUNS.append(tag)


def config_for(tmp: Path, **changes: object):
    data = demo_config(tmp, free_port())
    for key, value in changes.items():
        data[key] = value
    return validate_data(data, "test")


def test_jobs_db_lives_beside_the_store(tmp_path: Path):
    config = config_for(tmp_path)
    assert jobs_db_path(config) == tmp_path / "radar-jobs.db"


def test_wanted_jobs_cover_crawls_and_alerting(tmp_path: Path):
    config = config_for(tmp_path)
    config.sources[2].enabled = False
    ids = [s.id for s in wanted_jobs(config, "cfg.yaml")]
    assert ids == [
        "crawl:t-weibo",
        "crawl:t-tieba",
        "alerts:evaluate",
        "alerts:outbox",
        "alerts:escalations",
        "alerts:digest",
    ]
    specs = {s.id: s for s in wanted_jobs(config, "cfg.yaml")}
    assert specs["crawl:t-weibo"].executor == "crawls"
    assert specs["crawl:t-weibo"].args == ("cfg.yaml", "t-weibo")


def test_restart_resumes_stored_jobs_and_replaces_changed_ones(tmp_path: Path):
    config = config_for(tmp_path)
    specs = wanted_jobs(config, "cfg.yaml")
    first = build_scheduler(config)
    first.start(paused=True)
    report = sync_jobs(first, specs)
    assert report["added"] == [s.id for s in specs] and not report["kept"]
    next_runs = {j.id: j.next_run_time for j in first.get_jobs()}
    first.shutdown(wait=False)

    second = build_scheduler(config)
    second.start(paused=True)
    report = sync_jobs(second, specs)
    assert report["kept"] == [s.id for s in specs] and not report["added"]
    assert {j.id: j.next_run_time for j in second.get_jobs()} == next_runs
    second.shutdown(wait=False)

    config.sources[0].interval = 30.0
    config.sources.pop()
    third = build_scheduler(config)
    third.start(paused=True)
    report = sync_jobs(third, wanted_jobs(config, "cfg.yaml"))
    assert report["added"] == ["crawl:t-weibo"]
    assert report["removed"] == ["crawl:t-news"]
    job = third.get_job("crawl:t-weibo")
    assert job.trigger.interval == timedelta(seconds=30)
    third.shutdown(wait=False)


def test_missed_runs_are_coalesced_into_one(tmp_path: Path):
    config = config_for(tmp_path)
    spec = JobSpec(
        "test:record",
        record_run,
        ("missed",),
        IntervalTrigger(seconds=1),
        "record every 1s",
        executor="alerts",
    )
    first = build_scheduler(config)
    first.start(paused=True)
    sync_jobs(first, [spec])
    first.shutdown(wait=False)
    RUNS.clear()
    restarted = build_scheduler(config)
    restarted.start(paused=True)
    assert sync_jobs(restarted, [spec])["kept"] == ["test:record"]
    # the service was down for an hour: 3,600 one-second runs were missed
    restarted.modify_job(
        "test:record", next_run_time=datetime.now(restarted.timezone) - timedelta(hours=1)
    )
    restarted.resume()
    time.sleep(0.5)
    restarted.shutdown(wait=True)
    assert RUNS == ["missed"]  # one run for the whole gap, not one per missed second
