"""What ``radar status`` reports: per source its last crawl, health, mention count and next
scheduled run; the open cases; whether the service is running."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text

from config import RadarConfig
from index.base import SearchRequest, Store
from radar.scheduler import jobs_db_path
from radar.service import running_pid

OPEN_STATUSES = ["open", "acknowledged"]


def next_runs(config: RadarConfig) -> dict[str, str]:
    """job id -> next run time (ISO, UTC) from the job store, without starting a scheduler."""
    db = jobs_db_path(config)
    if not db.exists():
        return {}
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    except Exception:  # no job table yet: nothing scheduled
        return {}
    finally:
        engine.dispose()
    from datetime import UTC, datetime

    return {
        row[0]: datetime.fromtimestamp(row[1], UTC).isoformat() if row[1] else "paused"
        for row in rows
    }


def collect(config: RadarConfig) -> dict[str, Any]:
    runs = next_runs(config)
    with config.store.open() as store:
        counts = store.search(SearchRequest(limit=1, facets=True, highlight=False))
        per_source = counts.facets.get("source", {})
        health = {h.source: h for h in store.get_source_health()}
        sources = []
        for s in config.sources:
            last = store.crawl_runs(s.name, limit=1)
            h = health.get(s.name)
            sources.append(
                {
                    "name": s.name,
                    "kind": s.kind,
                    "mode": s.mode,
                    "enabled": s.enabled,
                    "interval_s": s.interval,
                    "last_crawl": last[0] if last else None,
                    "health": None
                    if h is None
                    else {
                        "state": h.state,
                        "reason": h.reason,
                        "since": h.since.isoformat() if h.since else None,
                        "paused_until": h.paused_until.isoformat() if h.paused_until else None,
                    },
                    "mentions": per_source.get(s.name, 0),
                    "next_run": runs.get(f"crawl:{s.name}"),
                }
            )
        cases = [
            {
                "id": c.id,
                "brand": c.brand,
                "severity": str(c.severity),
                "status": str(c.status),
                "rule": c.rule,
                "title": c.title,
                "opened_at": c.opened_at.isoformat(),
                "ack_due_at": c.ack_due_at.isoformat() if c.ack_due_at else None,
                "evidence": len(c.evidence),
            }
            for c in store.list_cases(status=OPEN_STATUSES)
        ]
        total = store.count_mentions()
        delivery = outbox_report(store)
    return {
        "service": {"pid": running_pid(config)},
        "store": config.store.url,
        "mentions": total,
        "sources": sources,
        "jobs": runs,
        "open_cases": cases,
        "outbox": delivery,
    }


def outbox_report(store: Store) -> dict[str, Any]:
    """Undelivered messages per target (with the last error of those that fail) and
    the dead-lettered webhook events."""
    from alerts.outbox import dead_letters, failing_by_target, pending_by_target
    from alerts.webhooks import registry

    return {
        "pending": pending_by_target(store),
        "failing": failing_by_target(store),
        "webhooks": [s.public() for s in registry.load(store)],
        "dead_letters": [
            {
                "key": n.key,
                "channel": n.channel,
                "created_at": n.created_at.isoformat() if n.created_at else None,
                "attempts": n.attempts,
                "error": n.last_error,
            }
            for n in dead_letters(store)
        ],
    }
