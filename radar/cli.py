"""The ``radar`` command. Each area adds its commands in ``radar/commands/<area>.py``,
which exposes ``commands``: a list of click commands/groups to register."""

from __future__ import annotations

import importlib
import importlib.util
import logging

import click

from index.base import StoreError

# one module per area; a module that does not exist yet is simply not offered
COMMAND_MODULES = (
    "radar.commands.config",
    "radar.commands.search",
    "radar.commands.sentiment",
    "radar.commands.crawl",
    "radar.commands.alerts",
    "radar.commands.service",
    "radar.commands.web",
    "radar.commands.store",
    "radar.commands.webhooks",
)


class RadarGroup(click.Group):
    """The top-level group: a store that cannot be opened or reached (corrupt file,
    cluster down) is one line naming it and exit status 1, in every command."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            click.echo(f"store error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=RadarGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """舆情雷达 Opinion Radar — brand-mention monitoring for Chinese social media."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        # the Elasticsearch transport logs every retried connection failure with its full
        # traceback; the store reports an unreachable cluster once, in one line
        logging.getLogger("elastic_transport").setLevel(logging.ERROR)


def _register() -> None:
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        for command in module.commands:
            cli.add_command(command)


_register()


def main() -> None:
    cli()
