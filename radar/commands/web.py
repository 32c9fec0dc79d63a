"""``radar web``: run the web UI alone, make password hashes and API tokens for config."""

from __future__ import annotations

import sys

import click

from radar.commands.options import config_option, load_or_exit, utc_minute


@click.group("web")
def web_group() -> None:
    """The web UI and JSON API (also started by `radar run`)."""


@web_group.command("hash-password")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def hash_password_cmd(password_stdin: bool) -> None:
    """Print an argon2 hash for `web.users[].password_hash`."""
    from radar.web.auth import hash_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="password")
    click.echo(hash_password(password))


@web_group.command("new-token")
def new_token_cmd() -> None:
    """Make an API token: give the token to the script, the hash to the config."""
    from radar.web.auth import new_token, token_hash

    token = new_token()
    click.echo(f"token (give to the API client, shown once): {token}")
    click.echo(f"api_token_hash (put in web.users[] of the config): {token_hash(token)}")


@web_group.group("token")
def token_group() -> None:
    """API tokens per integration, kept in the store (also at /admin/tokens): scope
    `read` (search, export, cases, summaries) or `cases` (also work mentions and cases)."""


@token_group.command("create")
@config_option
@click.argument("name")
@click.option(
    "--scope",
    type=click.Choice(["read", "cases"]),
    default="read",
    show_default=True,
    help="read: search, export, cases, summaries; cases: also work mentions and cases.",
)
def token_create_cmd(config_path: str | None, name: str, scope: str) -> None:
    """Make a token for integration NAME; prints it once."""
    from radar.web import tokens

    config = load_or_exit(config_path)
    with config.store.open() as store:
        try:
            record, token = tokens.create(store, name, scope, by="cli")
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    click.echo(f"id:    {record.id}\ntoken: {token}\n(the token is not shown again)")


@token_group.command("list")
@config_option
def token_list_cmd(config_path: str | None) -> None:
    """The integration tokens (hints only), revoked ones marked."""
    from radar.web import tokens

    config = load_or_exit(config_path)
    with config.store.open() as store:
        records = tokens.load(store)
    for t in records:
        revoked = f"revoked {utc_minute(t.revoked_at)} by {t.revoked_by}"
        state = revoked if t.revoked_at else "active"
        made = utc_minute(t.created_at)
        click.echo(f"{t.id}  {t.name}  {t.scope}  {t.hint}  made {made}  {state}")
    if not records:
        click.echo("no API tokens")


@token_group.command("revoke")
@config_option
@click.argument("token_id")
def token_revoke_cmd(config_path: str | None, token_id: str) -> None:
    """Revoke TOKEN_ID at once (every web process refuses it at its next request)."""
    from radar.web import tokens

    config = load_or_exit(config_path)
    with config.store.open() as store:
        try:
            record = tokens.revoke(store, token_id, by="cli")
        except KeyError as exc:
            raise click.BadParameter(str(exc.args[0]), param_hint="TOKEN_ID") from None
    click.echo(f"{record.id} ({record.name}) revoked")


@web_group.command("serve")
@config_option
@click.option("--host", default=None, help="Bind address (default: web.host, 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: web.port).")
def serve_cmd(config_path: str | None, host: str | None, port: int | None) -> None:
    """Serve the web UI alone over the configured store (no crawling or alerting)."""
    import uvicorn

    from radar.web.app import create_app

    config = load_or_exit(config_path)
    if not config.web.users:
        click.echo("warning: no web.users configured: nobody can log in", err=True)
    store = config.store.open()
    app = create_app(config, store)
    bind_host, bind_port = host or config.web.host, port or config.web.port
    click.echo(f"web UI on http://{bind_host}:{bind_port}/  (Ctrl-C stops)")
    try:
        uvicorn.run(app, host=bind_host, port=bind_port, log_level="warning")
    finally:
        store.close()


commands = [web_group]
