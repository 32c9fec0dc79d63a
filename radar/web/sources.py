"""The admin's page of the sources (``/admin/sources``): each source's last crawl, whether
it completed, what it brought, its health in words and the posts stored from it — what
``radar status`` tells on the command line. The banner on every page says only that a
source is in trouble, and nothing showed an admin that the others crawl."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request

from alerts.coverage import stale_sources
from alerts.labels import run_reason
from crawlers.health import unhealthy
from index.base import SearchRequest, SourceHealth
from radar.status import next_runs
from radar.web.auth import LoggedIn
from radar.web.render import render
from radar.web.tokens import _admin

pages = APIRouter(include_in_schema=False)
PAGE = "/admin/sources"


@dataclass
class SourceRow:
    name: str
    title: str
    kind: str
    interval: float
    enabled: bool
    mentions: int
    last: dict[str, Any] | None = None  # the newest crawl run (index.base.CrawlState)
    finished: datetime | None = None
    age_seconds: float = 0.0  # since it finished
    problem: SourceHealth | None = None  # paused, failing, crashing or stale: as the banner
    next_run: datetime | None = None
    items: dict[str, int] = field(default_factory=dict)
    why: str | None = None  # why the last run is incomplete (alerts.labels.run_reason)


def _at(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def source_rows(request: Request) -> list[SourceRow]:
    config, store = request.app.state.config, request.app.state.store
    now = request.app.state.clock()
    counts = store.search(SearchRequest(limit=0, facets=True, highlight=False))
    per_source = counts.facets.get("source", {})
    problems = {h.source: h for h in unhealthy(store, now)}
    for h in stale_sources(config, store, now):
        problems.setdefault(h.source, h)
    runs = next_runs(config)
    rows = []
    for s in config.sources:
        last = store.crawl_runs(s.name, limit=1)
        run = last[0] if last else None
        items = (run or {}).get("items") or {}
        finished = _at((run or {}).get("finished_at"))
        problem = problems.get(s.name)
        next_run = _at(runs.get(f"crawl:{s.name}"))
        # a paused source's scheduled runs are skipped until the pause ends: the page read
        # '已暂停…至 08:23 恢复' beside '下次抓取 08:06'
        if problem and problem.state == "paused" and problem.paused_until:
            next_run = max(next_run or problem.paused_until, problem.paused_until)
        rows.append(
            SourceRow(
                name=s.name,
                title=s.shown,
                kind=str(s.kind),
                interval=float(s.interval),
                enabled=bool(s.enabled),
                mentions=int(per_source.get(s.name, 0)),
                last=run,
                finished=finished,
                age_seconds=(now - finished).total_seconds() if finished else 0.0,
                problem=problem,
                next_run=next_run,
                items={k: int(v) for k, v in items.items() if isinstance(v, int)},
                why=run_reason(run) if run else None,
            )
        )
    return rows


@dataclass
class ChannelRow:
    name: str  # #radar-alerts, wecom:pr-group, email:duty, webhook:wh…
    connected: bool  # Slack without a token: the console stands in, nobody reads it
    pending: int = 0
    failures: int = 0
    error: str = ""  # the last error of the entry that failed most (radar status's)


def channel_rows(request: Request) -> list[ChannelRow]:
    """Where alerts go and whether they get there: nothing showed an admin that the demo's
    alerts only reach the service log, or that a robot refuses every message."""
    from alerts.outbox import failing_by_target, pending_by_target

    config, store = request.app.state.config, request.app.state.store
    pending, failing = pending_by_target(store), failing_by_target(store)
    slack = bool(config.slack.token is not None and config.slack.token.get())
    default = config.slack.default_channel
    rows = [ChannelRow(default, slack)]
    rows += [ChannelRow(t, True) for t in sorted(config.notify.known_targets())]
    listed = {"slack", default, *config.notify.known_targets()}
    # other Slack channels (routes, escalation steps) and webhook subscribers with entries
    rows += [
        ChannelRow(t, slack if t.startswith("#") else True)
        for t in sorted(set(pending) | set(failing))
        if t not in listed
    ]
    for row in rows:
        keys = ("slack", default) if row.name == default else (row.name,)
        row.pending = sum(pending.get(k, 0) for k in keys)
        failed = max((failing.get(k) or {} for k in keys), key=lambda f: f.get("failures", 0))
        row.failures, row.error = int(failed.get("failures", 0)), str(failed.get("error", ""))
    return rows


@pages.get(PAGE)
def sources_page(request: Request, user: LoggedIn):  # type: ignore[no-untyped-def]
    _admin(user)
    return render(
        request, "sources.html", rows=source_rows(request), channels=channel_rows(request)
    )
