"""``radar store``: copy or re-index the configured store into another one; check it."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console

from alerts.webhooks.registry import RECORD as WEBHOOKS_RECORD
from index import StoreError, open_store
from index.copy import copy_store
from radar.commands.options import config_option, load_or_exit, progress_bar


@click.group("store")
def store_group() -> None:
    """The configured store: copy it to another one (SQLite → Elasticsearch, re-index),
    check that it can be written and is intact."""


@store_group.command("copy")
@config_option
@click.option("--to", "to_url", default=None, help="Target store URL (sqlite:///… or http(s)://…).")
@click.option(
    "--to-config",
    "to_config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Take the target store (URL, index prefix, credentials) from this config file.",
)
@click.option("--batch", default=1000, show_default=True, help="Mentions per bulk write.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def copy_cmd(
    config_path: str | None, to_url: str | None, to_config: str | None, batch: int, as_json: bool
) -> None:
    """Copy every mention (with care-staff handling and notes), case and timeline, the
    sources' crawl cursors and the undelivered notifications of the configured store into
    another store. Safe to run again: upserts by id, timelines copied once.

    \b
      radar store copy --to-config config/production.yaml    # SQLite → Elasticsearch
      radar store copy --to sqlite:///var/reindexed.db
    """
    if (to_url is None) == (to_config is None):
        raise click.UsageError("give the target as exactly one of --to URL or --to-config FILE")
    config = load_or_exit(config_path)
    if to_config is not None:
        target_config = load_or_exit(to_config).store
        target_url, target_options = target_config.url, target_config.open_options()
    else:
        assert to_url is not None
        target_url, target_options = to_url, {}
    if target_url == config.store.url:
        raise click.UsageError(f"the target is the configured store itself ({target_url})")
    console = Console(stderr=True)
    try:
        with (
            config.store.open() as source,
            open_store(target_url, **target_options) as target,
        ):
            total = source.count_mentions()
            with progress_bar(console) as progress:
                task = progress.add_task("mentions", total=total)
                stats = copy_store(
                    source,
                    target,
                    # the webhook subscribers are a named record beside the crawl cursors
                    sources=[*(s.name for s in config.sources), WEBHOOKS_RECORD],
                    batch_size=batch,
                    progress=lambda n: progress.advance(task, n),
                )
    except StoreError as exc:
        click.echo(f"store error: {exc}", err=True)
        sys.exit(1)
    figures = {"from": config.store.url, "to": target_url, **stats.as_dict()}
    for mention_id, reason in stats.errors[:20]:
        click.echo(f"not copied: {mention_id}: {reason}", err=True)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
    else:
        click.echo(
            f"copied {stats.mentions} mentions ({stats.mentions_new} new, "
            f"{stats.mentions_updated} updated, {stats.mentions_unchanged} unchanged, "
            f"{len(stats.errors)} refused), {stats.cases} cases with {stats.case_events} "
            f"timeline events, {stats.cursors} crawl cursors, {stats.notifications} pending "
            f"notifications → {target_url}"
        )
    if stats.errors:
        sys.exit(1)


@store_group.command("check")
@config_option
@click.option("--quick", is_flag=True, help="Only the checks /healthz runs (faster).")
def check_cmd(config_path: str | None, quick: bool) -> None:
    """Check the configured store: can it be written now, and is it intact? SQLite:
    PRAGMA integrity_check (every page and index; --quick: quick_check) and the full-text
    index's own integrity-check; Elasticsearch: write blocks and shard health. Prints each
    problem and exits 1 when there is one. Reads the whole store: minutes on a large one."""
    config = load_or_exit(config_path)
    try:
        with config.store.open() as store:
            problems = [f"not writable: {why}"] if (why := store.check_writable()) else []
            problems += store.check_integrity(full=not quick)
            count = store.count_mentions()
    except StoreError as exc:
        click.echo(f"store error: {exc}", err=True)
        sys.exit(1)
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        click.echo(f"{config.store.url}: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    kind = "quick" if quick else "full"
    click.echo(f"{config.store.url}: OK ({kind} check, {count} mentions, writable)")


commands = [store_group]
