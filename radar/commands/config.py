"""``radar config check``."""

from __future__ import annotations

import sys

import click

from alerts.routing import delivery_warnings
from config import DEFAULT_CONFIG, ConfigError, load_config


@click.group("config")
def config_group() -> None:
    """Inspect and validate configuration files."""


@config_group.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False), envvar="RADAR_CONFIG")
def check(file: str | None) -> None:
    """Validate FILE (default: $RADAR_CONFIG, as every other command reads, or the bundled
    demo config); list every error and exit 1."""
    path = file or str(DEFAULT_CONFIG)
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        for issue in exc.issues:
            click.echo(str(issue), err=True)
        click.echo(f"{len(exc.issues)} error(s) in {path}", err=True)
        sys.exit(1)
    click.echo(
        f"{path}: OK — {len(cfg.brands)} brands, {len(cfg.sources)} sources, store {cfg.store.url}"
    )
    # valid, but a service run on it watches nothing: say so (the file may be a fragment)
    if not cfg.brands:
        click.echo(f"warning: {path}: brands: none configured — no mention is matched", err=True)
    if not cfg.sources:
        click.echo(f"warning: {path}: sources: none configured — nothing is crawled", err=True)
    for warning in [*cfg.brand_warnings(), *cfg.login_warnings(), *delivery_warnings(cfg)]:
        click.echo(f"warning: {path}: {warning}", err=True)


commands = [config_group]
