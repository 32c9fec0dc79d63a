"""``radar config check``."""

from __future__ import annotations

import sys

import click

from config import DEFAULT_CONFIG, ConfigError, load_config
from radar.checks import config_warnings


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
    for warning in config_warnings(cfg):
        click.echo(f"warning: {path}: {warning}", err=True)


commands = [config_group]
