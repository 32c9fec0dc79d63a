"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from config import ConfigError, RadarConfig, load_config
from index.models import as_utc

F = TypeVar("F", bound=Callable[..., Any])

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="RADAR_CONFIG",
    default=None,
    help="Config file (default: $RADAR_CONFIG or the bundled config/demo.yaml).",
)


def utc_minute(iso: str) -> str:
    """A stored time (ISO) to the minute, named UTC (``2026-12-05 00:26 UTC``), as
    ``radar search`` heads its column: ``made 2026-12-05T00:26`` read as local time in
    Shanghai, eight hours off."""
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{as_utc(at):%Y-%m-%d %H:%M} UTC"


def load_or_exit(path: str | None) -> RadarConfig:
    """Load the config or print every problem (file, key, reason) and exit 2."""
    try:
        return load_config(path)
    except ConfigError as exc:
        for issue in exc.issues:
            click.echo(f"config error: {issue}", err=True)
        sys.exit(2)


def progress_bar(console: Console) -> Progress:
    """The progress bar of long CLI work (description, bar, n/total, elapsed), drawn on
    ``console``; it disappears when done. Drawn on a terminal only: in a pipe or a log
    file it would leave an empty line behind."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
