"""Source health: a source the crawler paused (ban, captcha, expired cookies), one whose
crawl process crashes (dies at import or with a traceback, radar/jobs.py), or one that
has brought nothing new for too long. One finding per unhealthy source."""

from __future__ import annotations

from datetime import datetime

from alerts.labels import state_label
from alerts.rules.base import Finding
from config.alerting import AlertsConfig
from config.i18n import _
from index.base import Store


def evaluate(
    config: AlertsConfig, store: Store, now: datetime, sources: list[str]
) -> list[Finding]:
    rule = config.source_health
    if not rule.enabled:
        return []
    findings = []
    health = {h.source: h for h in store.get_source_health()}
    for name in sorted(set(sources) | set(health)):
        h = health.get(name)
        if h is not None and h.state in rule.states:
            until = (
                _(" until %(at)s UTC") % {"at": f"{h.paused_until:%Y-%m-%d %H:%M}"}
                if h.paused_until
                else ""
            )
            summary = _("source %(name)s is %(state)s (%(reason)s)%(until)s") % {
                "name": name,
                "state": state_label(h.state),
                "reason": h.reason or _("no reason given"),
                "until": until,
            }
            figures: dict[str, object] = {
                "source": name,
                "state": h.state,
                "reason": h.reason,
                "since": h.since.isoformat() if h.since else None,
            }
            if h.state == "crashing":
                streak = int(h.detail.get("streak", 1) or 1)
                summary = _(
                    "source %(name)s: its crawl crashed %(streak)s time(s) in a row, "
                    "nothing is crawled: %(detail)s"
                ) % {
                    "name": name,
                    "streak": streak,
                    "detail": str(h.detail.get("detail", ""))[:200],
                }
                figures["crashes"] = streak
            findings.append(
                Finding(
                    rule="source_health",
                    brand=f"source:{name}",
                    key=f"source_health:{h.state}",
                    summary=summary,
                    figures=figures,
                )
            )
            continue
        silent = _silent_for(store, name, now)
        if silent is not None and silent >= rule.silent_after:
            findings.append(
                Finding(
                    rule="source_health",
                    brand=f"source:{name}",
                    key="source_health:silent",
                    summary=_("source %(name)s has brought nothing new for %(hours)s h")
                    % {"name": name, "hours": f"{silent / 3600:.1f}"},
                    figures={"source": name, "state": "silent", "silent_seconds": int(silent)},
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
