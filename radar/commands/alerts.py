"""``radar alerts …``: replay (backtest), and one-off evaluate / escalate / deliver /
digest runs of the same engine the service schedules."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from config.types import parse_duration
from radar.commands.options import config_option, load_or_exit, progress_bar


@click.group("alerts")
def alerts_group() -> None:
    """Alert rules, crisis cases and their delivery."""


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def _same_store(url: str, configured: str) -> bool:
    """Whether two store URLs name the same store (SQLite files by their resolved path)."""
    from index.base import StoreError
    from index.sqlite import sqlite_path

    if url.startswith("sqlite:") and configured.startswith("sqlite:"):
        try:
            return Path(sqlite_path(url)).resolve() == Path(sqlite_path(configured)).resolve()
        except StoreError:
            return False
    return url.rstrip("/") == configured.rstrip("/")


@alerts_group.command("replay")
# undecodable bytes reach read_lines as surrogates: that line is skipped, not the run
@click.argument("mentions", type=click.File("r", encoding="utf-8", errors="surrogateescape"))
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--tail",
    default="2h",
    show_default=True,
    help="Keep simulating this long after the last mention (resolutions).",
)
@click.option(
    "--no-auto-resolve",
    is_flag=True,
    help="Leave proposed resolutions unconfirmed (as nobody clicked Resolve).",
)
@click.option(
    "--store",
    "store_url",
    default=None,
    help="Replay into this store URL instead of a temporary SQLite file.",
)
def replay_cmd(
    mentions: Any,
    config_path: str | None,
    as_json: bool,
    tail: str,
    no_auto_resolve: bool,
    store_url: str | None,
) -> None:
    """Replay MENTIONS.jsonl (use - for stdin) through the alert rules in simulated time
    and print every case opened / updated / escalated / resolved with its time.

    Each line: published_at, text, brand or brands; optional sentiment (label, score or
    {label, score}), risk_signals, followers, reposts, source, id, url, author,
    repost_of. Broken lines are counted, reported on stderr and skipped."""
    from alerts.replay import replay
    from index import open_store

    config = load_or_exit(config_path)
    try:
        tail_delta = timedelta(seconds=parse_duration(tail))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tail") from None

    def show(rec: dict[str, Any]) -> None:
        if as_json:
            click.echo(_json(rec))
        else:
            click.echo(
                f"{rec['at']}  {rec['event']:<19} {rec['severity']}  "
                f"{rec['brand']}  {rec['case_id']}  {rec['text']}"
            )

    if store_url and _same_store(store_url, config.store.url):
        raise click.BadParameter(
            f"{store_url} is the store the service monitors: the replayed cases would "
            "appear on the case board and their messages would be delivered to Slack. "
            "Replay into another store (or leave --store out for a temporary one).",
            param_hint="--store",
        )
    store = open_store(store_url) if store_url else None
    try:
        with progress_bar(Console(stderr=True)) as bar:
            task = bar.add_task("replaying", total=None)
            stats = replay(
                config,
                mentions,
                show,
                store=store,
                auto_resolve=not no_auto_resolve,
                tail=tail_delta,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        if store is not None:
            store.close()
    for err in stats.errors:
        click.echo(f"skipped {err}", err=True)
    summary = stats.as_dict()
    if as_json:
        click.echo(_json(summary))
    else:
        click.echo(
            f"replayed {summary['mentions']} mentions ({summary['skipped']} skipped) in "
            f"{summary['seconds']}s, {summary['mentions_per_second']} mentions/s: "
            f"{summary['events']} events, {summary['cases']} cases",
            err=True,
        )


def _engine(config_path: str | None) -> Any:
    from alerts.engine import AlertEngine

    config = load_or_exit(config_path)
    return AlertEngine(config, config.store.open())


def _now() -> Any:
    from index.models import utcnow

    return utcnow()


@alerts_group.command("evaluate")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def evaluate_cmd(config_path: str | None, as_json: bool) -> None:
    """Run the rules once now (and check escalations); print the case events."""
    engine = _engine(config_path)
    try:
        now = _now()
        events = engine.evaluate(now) + engine.check_escalations(now)
    finally:
        engine.store.close()
    for ev in events:
        click.echo(
            _json(ev.model_dump(mode="json"))
            if as_json
            else f"{ev.at:%Y-%m-%d %H:%M} {ev.case_id} {ev.kind}: {ev.text}"
        )
    if not as_json:
        click.echo(f"{len(events)} case event(s)", err=True)


@alerts_group.command("deliver")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def deliver_cmd(config_path: str | None, as_json: bool) -> None:
    """Send the due notifications of the outbox once (Slack, or the console)."""
    engine = _engine(config_path)
    try:
        sent = engine.deliver_outbox(_now())
    finally:
        engine.store.close()
    click.echo(_json({"delivered": sent}) if as_json else f"{sent} notification(s) delivered")


@alerts_group.command("digest")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def digest_cmd(config_path: str | None, as_json: bool) -> None:
    """Build the digest of yesterday (midnight to midnight in the deployment's zone, as
    the scheduled digest and the digest page) and queue it for the digest targets."""
    from radar.web.digest import day_end

    engine = _engine(config_path)
    try:
        now = _now()
        digest = engine.daily_digest(day_end(now, engine.config.timezone), made_at=now)
    finally:
        engine.store.close()
    if as_json:
        click.echo(_json(digest))
        return
    for brand, row in digest["brands"].items():
        click.echo(
            f"{brand}: {row['mentions']} mentions, {row['negative']} negative "
            f"({row['negative_share']:.0%}), open cases {row['open_cases']}"
        )
    sys.stdout.flush()


commands = [alerts_group]
