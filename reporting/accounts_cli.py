"""Administrator commands for staff accounts (`reporting user …`) and API tokens (`token …`).

Passwords are read from files, never from the command line, where they would sit in the
shell history and the process list. Every input is checked before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from . import accounts
from .db import database
from .services import services

PASSWORD_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def read_password(path: Path) -> str:
    """The first line of the file, without its line ending."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc
    lines = text.splitlines()
    return lines[0] if lines else ""


def _fail(exc: accounts.AccountError) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group("user")
def user_group() -> None:
    """Staff accounts: leadership, reviewers and administrators."""


@user_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help=f"A role to give ({', '.join(accounts.ROLES)}); repeat for several.",
)
@click.option("--password-file", required=True, type=PASSWORD_FILE, help="First line: password.")
@click.option("--grantor", help="A reviewer whose password unlocks the review key (reviewers).")
@click.option("--grantor-password-file", type=PASSWORD_FILE, help="The grantor's password.")
@click.option("--recovery-key-file", type=PASSWORD_FILE, help="The offline recovery key.")
@with_appcontext
def user_add(
    name: str,
    roles: tuple[str, ...],
    password_file: Path,
    grantor: str | None,
    grantor_password_file: Path | None,
    recovery_key_file: Path | None,
) -> None:
    """Create a staff account."""
    try:
        accounts.check_username(name)
        chosen = accounts.check_roles(roles)
        password = accounts.check_password(read_password(password_file))
    except accounts.AccountError as exc:
        raise _fail(exc) from exc
    wrapping = grantor or grantor_password_file or recovery_key_file
    if wrapping and "reviewer" not in chosen:
        raise click.ClickException(
            "--grantor, --grantor-password-file and --recovery-key-file are for the reviewer role"
        )
    if bool(grantor) != bool(grantor_password_file):
        raise click.ClickException("--grantor and --grantor-password-file go together")
    if grantor and recovery_key_file:
        raise click.ClickException("give either --grantor or --recovery-key-file, not both")
    with database.connection_context():
        if grantor:
            found = accounts.User.by_username(grantor)
            if found is None or "reviewer" not in found.role_set:
                raise click.ClickException(f"{grantor!r} is not a reviewer's account")
        try:
            accounts.create_user(name, password, chosen)
        except accounts.AccountError as exc:
            raise _fail(exc) from exc
    click.echo(f"created {name} ({', '.join(chosen)})")
    if "reviewer" in chosen:
        click.echo(
            "note: wrapping the review key for reviewers arrives with the reviewers' "
            "workspace; until then this account cannot read reports."
        )


@user_group.command("remove")
@click.argument("name")
@with_appcontext
def user_remove(name: str) -> None:
    """Delete a staff account; its sessions end at their next request."""
    with database.connection_context():
        try:
            accounts.remove_user(name)
        except accounts.AccountError as exc:
            raise _fail(exc) from exc
    click.echo(f"removed {name}")


@user_group.command("passwd")
@click.argument("name")
@click.option("--password-file", required=True, type=PASSWORD_FILE, help="First line: password.")
@with_appcontext
def user_passwd(name: str, password_file: Path) -> None:
    """Set a new password (ends the account's sessions and clears a lock)."""
    password = read_password(password_file)
    with database.connection_context():
        try:
            accounts.set_password(name, password)
        except accounts.AccountError as exc:
            raise _fail(exc) from exc
    click.echo(f"password changed for {name}")


@user_group.command("list")
@with_appcontext
def user_list() -> None:
    """List accounts and their roles."""
    with database.connection_context():
        users = accounts.list_users()
    if not users:
        click.echo("no accounts")
    for user in users:
        roles = ",".join(role for role in accounts.ROLES if role in user.role_set)
        click.echo(f"{user.username}\t{roles}")


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
            raise _fail(exc) from exc
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
            raise _fail(exc) from exc
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
