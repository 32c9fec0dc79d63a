"""``radar crawl SOURCE``: crawl one source once and print the run's summary."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from config import ConfigError
from radar.commands.options import config_option


@click.command("crawl")
@click.argument("source")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--force", is_flag=True, help="Crawl even if the source is paused or disabled.")
def crawl_cmd(source: str, config_path: str | None, as_json: bool, force: bool) -> None:
    """Crawl SOURCE once (a name from the config's sources:) and print a summary: pages,
    items new/updated/duplicate, errors, truncation, duration.

    Exit status: 0 the run completed, 1 it failed, was blocked or the source is paused,
    2 the config is wrong."""
    from crawlers.runner import run_crawl

    try:
        # a progress line on a terminal; none when the output is captured (the service)
        show = sys.stderr.isatty() and not as_json
        progress = {"EXTENSIONS": {"crawlers.progress.CrawlProgress": 500}} if show else None
        summary = run_crawl(source, config_path, force=force, settings=progress)
    except ConfigError as exc:
        for issue in exc.issues:
            click.echo(f"config error: {issue}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, default=str))
    else:
        click.echo(describe(summary))
    sys.exit(0 if summary.get("completed") else 1)


def describe(s: dict[str, Any]) -> str:
    if s.get("skipped") == "paused":
        return (
            f"{s['source']}: skipped, paused until {s['paused_until']} ({s.get('reason')}); "
            "use --force to crawl anyway"
        )
    if s.get("skipped"):
        return f"{s['source']}: skipped ({s['skipped']}); use --force to crawl anyway"
    items, errors = s.get("items", {}), s.get("errors", {})
    lines = [
        f"{s['source']} ({s.get('kind')}/{s.get('mode')}): "
        f"{'completed' if s.get('completed') else 'NOT completed'} — {s.get('finish_reason')}",
        f"  pages {s.get('pages', 0)} in {s.get('duration_s', 0):.1f}s",
        f"  items new {items.get('new', 0)}, updated {items.get('updated', 0)}, "
        f"unchanged {items.get('unchanged', 0)}, duplicate {items.get('duplicate', 0)}, "
        f"near-duplicate {items.get('near_duplicate', 0)}, "
        f"no brand {items.get('dropped_no_brand', 0)}",
        f"  errors {errors.get('total', 0)} "
        f"(unparsable {errors.get('unparsable', 0)}, entries {errors.get('bad_entry', 0)}, "
        f"download {errors.get('download', 0)}, score {errors.get('score', 0)}, "
        f"store {errors.get('store', 0)})",
    ]
    if s.get("truncated"):
        reasons = sorted({t["reason"] for t in s.get("truncation", [])})
        lines.append(f"  TRUNCATED: {', '.join(reasons)}")
        lines += [f"    - {t['detail']}" for t in s.get("truncation", [])[:5]]
    if s.get("blocked"):
        lines.append(f"  BLOCKED ({s['blocked']}): {s.get('blocked_detail')}; source paused")
    return "\n".join(lines)


commands = [crawl_cmd]
