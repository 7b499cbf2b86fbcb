"""Administrator commands for the leadership API's bearer tokens (`reporting token …`).

A token is printed once, when it is made, and never again: only its SHA-256 is stored, so
listing shows ids, names and dates, never a token. Revoking takes effect at once.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from reporting import accounts
from reporting.db import database
from reporting.web.auditing import audit
from reporting.web.services import services


@click.group("token")
def token_group() -> None:
    """Bearer tokens for the leadership API."""


@token_group.command("add")
@click.argument("name")
@with_appcontext
def token_add(name: str) -> None:
    """Create a leadership-scope token; it is printed once."""
    with database.connection_context():
        try:
            token_id, token = accounts.create_token(name, now=services().clock())
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    audit("token-add", token_id, {"name": name.strip()})
    click.echo(
        f"token {token_id} ({name.strip()}). It is shown this once and cannot be shown "
        "again: store it now in the integration's secret store."
    )
    click.echo(token)
    click.echo(f"Revoke it with: reporting token revoke {token_id}")


@token_group.command("revoke")
@click.argument("token_id", metavar="ID")
@with_appcontext
def token_revoke(token_id: str) -> None:
    """Revoke a token; it stops working at once."""
    with database.connection_context():
        try:
            changed = accounts.revoke_token(token_id, now=services().clock())
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    audit("token-revoke", token_id, {"was_active": changed})
    click.echo(f"revoked {token_id}" if changed else f"{token_id} was already revoked")


@token_group.command("list")
@with_appcontext
def token_list() -> None:
    """List tokens: id, name, created, revoked (never the token)."""
    with database.connection_context():
        tokens = accounts.list_tokens()
    if not tokens:
        click.echo("no tokens")
        return
    click.echo("id\tname\tcreated\trevoked")
    for token in tokens:
        revoked = _when(token.revoked) if token.revoked else "-"
        click.echo(f"{token.id}\t{token.name}\t{_when(token.created)}\t{revoked}")


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
