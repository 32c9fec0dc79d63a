"""Source health: a source the crawler paused (ban, captcha, expired cookies), one whose
crawl process crashes (dies at import or with a traceback, radar/jobs.py), or one that
has brought nothing new for too long. One finding per unhealthy source."""

from __future__ import annotations

from datetime import datetime

from alerts import summaries
from alerts.rules.base import Finding
from config.alerting import AlertsConfig
from index.base import Store


def evaluate(
    config: AlertsConfig,
    store: Store,
    now: datetime,
    sources: list[str],
    tz: str | None = None,
    titles: dict[str, str] | None = None,
) -> list[Finding]:
    """``tz``: the configured zone, recorded with a pause's end so that its line names the
    moment as readers tell time (北京时间), not in UTC; ``titles``: source name -> what
    people read (``sources[].title``), recorded for the case's title and its lines."""
    rule = config.source_health
    if not rule.enabled:
        return []
    findings = []
    health = {h.source: h for h in store.get_source_health()}
    for name in sorted(set(sources) | set(health)):
        h = health.get(name)
        if h is not None and h.state in rule.states:
            figures: dict[str, object] = {
                "source": name,
                "state": h.state,
                "reason": h.reason,
                "since": h.since.isoformat() if h.since else None,
                "paused_until": f"{h.paused_until:%Y-%m-%d %H:%M}" if h.paused_until else "",
            }
            if titles and titles.get(name, name) != name:
                figures["source_title"] = titles[name]
            if h.paused_until and tz:
                figures["paused_until_at"] = h.paused_until.isoformat()
                figures["tz"] = tz
            if h.state == "crashing":
                figures["crashes"] = int(h.detail.get("streak", 1) or 1)
                figures["detail"] = str(h.detail.get("detail", ""))[:200]
            findings.append(
                Finding(
                    rule="source_health",
                    brand=f"source:{name}",
                    key=f"source_health:{h.state}",
                    summary=summaries.source_health(figures),
                    figures=figures,
                )
            )
            continue
        silent = _silent_for(store, name, now)
        if silent is not None and silent >= rule.silent_after:
            figures = {"source": name, "state": "silent", "silent_seconds": int(silent)}
            findings.append(
                Finding(
                    rule="source_health",
                    brand=f"source:{name}",
                    key="source_health:silent",
                    summary=summaries.source_health(figures),
                    figures=figures,
                )
            )
    return findings


def _new_items(run: dict[str, object]) -> int:
    items = run.get("items")
    if isinstance(items, dict) and isinstance(items.get("new"), int):
        return int(items["new"])
    return 0


def _run_time(run: dict[str, object]) -> datetime | None:
    at = run.get("finished_at") or run.get("started_at")
    if isinstance(at, str):
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            return None
    return at if isinstance(at, datetime) else None


def _silent_for(store: Store, source: str, now: datetime) -> float | None:
    """Seconds since the last crawl run that brought new mentions (see
    crawlers/summary.py); if none of the recent runs did, since the oldest of them.
    None when the source has no runs yet."""
    runs = store.crawl_runs(source, limit=50)  # newest first
    if not runs:
        return None
    productive = next((r for r in runs if _new_items(r) > 0), None)
    at = _run_time(productive if productive is not None else runs[-1])
    return (now - at).total_seconds() if at else None
