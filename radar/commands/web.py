"""``radar web``: run the web UI alone, make password hashes and API tokens for config."""

from __future__ import annotations

import sys

import click

from radar.commands.options import config_option, load_or_exit


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
