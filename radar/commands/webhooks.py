"""``radar webhooks``: the outbound webhook subscribers (kept in the store)."""

from __future__ import annotations

import json

import click

from alerts.outbox import dead_letters
from alerts.webhooks import registry
from radar.commands.options import config_option, load_or_exit, utc_minute


@click.group("webhooks")
def webhooks_group() -> None:
    """Outbound webhooks: subscribers receive signed JSON events (docs/alerts.md,
    "Outbound webhooks"). The secret is printed once, when made: give it to the receiver."""


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


@webhooks_group.command("add")
@config_option
@click.argument("url")
@click.option("--brand", "brands", multiple=True, help="Only this brand (repeat; default all).")
@click.option(
    "--severity", "severities", multiple=True, help="Only P1 / P2 / P3 (repeat; default all)."
)
@click.option(
    "--event",
    "events",
    multiple=True,
    help=f"Only these kinds (repeat; default all): {', '.join(registry.EVENT_KINDS)}.",
)
@click.option("--description", default="", help="Who receives it, for the list.")
def add_cmd(
    config_path: str | None,
    url: str,
    brands: tuple[str, ...],
    severities: tuple[str, ...],
    events: tuple[str, ...],
    description: str,
) -> None:
    """Subscribe URL; prints its id and secret."""
    config = load_or_exit(config_path)
    known = {b.name for b in config.brands}
    unknown = [b for b in _split(brands) if b not in known]
    if unknown:
        raise click.BadParameter(f"unknown brand {unknown[0]!r}", param_hint="--brand")
    with config.store.open() as store:
        try:
            sub = registry.add(
                store,
                url,
                brands=_split(brands),
                severities=_split(severities),
                events=_split(events),
                description=description,
            )
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    click.echo(f"id:     {sub.id}\nsecret: {sub.secret}\n(the secret is not shown again)")


@webhooks_group.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_cmd(config_path: str | None, as_json: bool) -> None:
    """Subscribers (secrets hidden) and the dead-lettered events."""
    config = load_or_exit(config_path)
    with config.store.open() as store:
        subs = [s.public() for s in registry.load(store)]
        dead = [{"key": n.key, "error": n.last_error} for n in dead_letters(store)]
    if as_json:
        click.echo(json.dumps({"subscribers": subs, "dead_letters": dead}, ensure_ascii=False))
        return
    if not subs:
        click.echo("no webhook subscribers")
    for s in subs:
        only = " ".join(f"{k}={','.join(s[k])}" for k in ("brands", "severities", "events") if s[k])
        click.echo(f"{s['id']}  {s['url']}  {only or 'everything'}  {s['description']}".rstrip())
    for d in dead:
        click.echo(f"dead letter {d['key']}: {d['error']}")


@webhooks_group.command("remove")
@config_option
@click.argument("sub_id")
def remove_cmd(config_path: str | None, sub_id: str) -> None:
    """Unsubscribe; its undelivered events are dropped when next due."""
    config = load_or_exit(config_path)
    with config.store.open() as store:
        if not registry.remove(store, sub_id):
            raise click.BadParameter(
                f"no webhook subscriber {sub_id!r} (see `radar webhooks list`)", param_hint="SUB_ID"
            )
    click.echo(f"removed {sub_id}")


@webhooks_group.command("rotate-secret")
@config_option
@click.argument("sub_id")
@click.option(
    "--grace",
    default=None,
    help="How long the old secret signs beside the new one (default webhooks.rotation_grace).",
)
def rotate_cmd(config_path: str | None, sub_id: str, grace: str | None) -> None:
    """A new secret; both sign every request during the grace period."""
    from config.types import parse_duration

    config = load_or_exit(config_path)
    try:
        seconds = parse_duration(grace) if grace else config.webhooks.rotation_grace
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--grace") from None
    with config.store.open() as store:
        try:
            sub = registry.rotate(store, sub_id, seconds)
        except KeyError as exc:
            raise click.BadParameter(str(exc.args[0]), param_hint="SUB_ID") from None
    until = utc_minute(sub.previous_until or "")
    click.echo(f"secret: {sub.secret}\nthe old secret signs too until {until}")


commands = [webhooks_group]
