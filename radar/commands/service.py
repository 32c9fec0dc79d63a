"""``radar run``, ``radar status`` and ``radar demo-sources``."""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime
from typing import Any

import click

from radar.commands.options import config_option, load_or_exit


@click.command("run")
@config_option
def run(config_path: str | None) -> None:
    """Run the service: scheduled crawls, alerting, digest, web UI (and the demo sources
    when demo.enabled). Stop with Ctrl-C or SIGTERM."""
    from index import StoreError
    from radar.service import Service, ServiceError

    load_or_exit(config_path)  # every config problem reported before anything starts
    service = Service(config_path, out=sys.stdout)
    try:
        service.start()
    except (ServiceError, StoreError) as exc:
        # a store error names the file and key to fix: the store is store.url's
        where = f"{service.config_path}: store.url: " if isinstance(exc, StoreError) else ""
        kind = "store error" if isinstance(exc, StoreError) else "error"
        click.echo(f"{kind}: {where}{exc}", err=True)
        service.stop()
        sys.exit(1)
    try:
        service.wait()
    finally:
        service.stop()


@click.command("status")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def status(config_path: str | None, as_json: bool) -> None:
    """Each source's last crawl, health and item count, the schedule and open cases."""
    from radar.status import collect

    config = load_or_exit(config_path)
    report = collect(config)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, default=str, indent=2))
        return
    _print_status(report)


def _ago(iso: str | None, now: datetime) -> str:
    if not iso:
        return "never"
    seconds = (now - datetime.fromisoformat(iso)).total_seconds()
    if seconds < 120:
        return f"{seconds:.0f}s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m ago"
    return f"{seconds / 3600:.1f}h ago"


def _until(iso: str | None, now: datetime) -> str:
    if not iso or iso == "paused":
        return iso or "-"
    seconds = (datetime.fromisoformat(iso) - now).total_seconds()
    return (
        "due"
        if seconds <= 0
        else f"in {seconds:.0f}s"
        if seconds < 120
        else (f"in {seconds / 60:.0f}m")
    )


def _print_status(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # case titles carry crawled text (author names): "[/]" or "[link=…]" is not markup
    console = Console()
    now = datetime.now(UTC)
    svc = report["service"]
    state = f"running (pid {svc['pid']})" if svc["pid"] else "not running"
    console.print(f"service: {state}; store {report['store']}; {report['mentions']} mentions")
    table = Table(title="sources", box=None, padding=(0, 1))
    for col in (
        "source",
        "kind",
        "last crawl",
        "result",
        "new",
        "err",
        "health",
        "mentions",
        "next",
    ):
        table.add_column(col, no_wrap=col == "source")
    for s in report["sources"]:
        last = s["last_crawl"] or {}
        items = last.get("items") or {}
        errors = last.get("errors") or {}
        err = errors.get("total", 0) if isinstance(errors, dict) else errors
        health = s["health"] or {}
        result = str(last.get("finish_reason", "-")) if s["enabled"] else "disabled"
        table.add_row(
            s["name"],
            s["kind"],
            _ago(last.get("finished_at"), now),
            result,
            str(items.get("new", "-")),
            str(err if last else "-"),
            escape(f"{health.get('state', 'ok')} {health.get('reason', '')}".strip()),
            str(s["mentions"]),
            _until(s["next_run"], now),
        )
    console.print(table)
    _print_outbox(console, report.get("outbox") or {})
    cases = report["open_cases"]
    if not cases:
        console.print("open cases: none")
        return
    ctable = Table(title=f"open cases ({len(cases)})", box=None, padding=(0, 1))
    for col in ("severity", "brand", "status", "opened", "title"):
        ctable.add_column(col)
    for c in cases:
        ctable.add_row(
            c["severity"],
            escape(c["brand"]),
            c["status"],
            _ago(c["opened_at"], now),
            escape(c["title"]),
        )
    console.print(ctable)


def _print_outbox(console: Any, outbox: dict[str, Any]) -> None:
    """Messages waiting per target, webhook subscribers and their dead letters."""
    from rich.markup import escape

    pending = outbox.get("pending") or {}
    if pending:
        waiting = ", ".join(f"{escape(k)} {v}" for k, v in sorted(pending.items()))
        console.print(f"outbox: waiting {waiting}")
    for channel, f in sorted((outbox.get("failing") or {}).items()):
        line = f"  {escape(channel)} failing ({f['failures']}×): {escape(f['error'][:160])}"
        console.print(line, soft_wrap=True)  # one line per target, greppable
    hooks = outbox.get("webhooks") or []
    dead = outbox.get("dead_letters") or []
    if hooks or dead:
        console.print(f"webhooks: {len(hooks)} subscriber(s), {len(dead)} dead letter(s)")
    for d in dead:
        console.print(f"  dead letter {escape(d['key'])}: {escape(d['error'][:160])}")


@click.command("demo-sources")
@config_option
@click.option("--port", type=int, default=None, help="Port (default: demo.port).")
def demo_sources(config_path: str | None, port: int | None) -> None:
    """Serve only the bundled demo sources (Weibo-, Tieba-, RSS- and 黑猫投诉-style)
    until Ctrl-C."""
    from radar.demo.server import DemoSources
    from radar.service import demo_state_path, local_clock

    config = load_or_exit(config_path)
    if port is not None:
        config.demo.port = port
    sources = DemoSources(config, demo_state_path(config))
    try:
        sources.start()
    except RuntimeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    world = sources.world
    click.echo(f"demo sources on {sources.url} (weibo /weibo, tieba /tieba, news /news/rss.xml)")
    if world.crisis_brand:
        # in scheduler.timezone, the zone named, as `radar run`'s banner and the pages say it
        at = local_clock(world.crisis_start, config.scheduler.timezone, config.locale)
        click.echo(f"scripted crisis for {world.crisis_brand} at {at}")
    stop = threading.Event()
    try:
        import signal

        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sources.stop()


commands = [run, status, demo_sources]
