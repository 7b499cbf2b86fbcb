"""Administrator commands for staff accounts (`reporting user …`); API tokens are tokens.py.

Passwords are read from files, never from the command line, where they would sit in the
shell history and the process list. Every input is checked before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from reporting import accounts, staff_email, staff_sessions, totp
from reporting.db import database
from reporting.privacy import grants, keys
from reporting.web.auditing import audit

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


def _grant_options(command):
    """--grantor/--grantor-password-file or --recovery-key-file, and --group."""
    for option in reversed(
        (
            click.option("--grantor", help="A reviewer whose password opens the group keys."),
            click.option("--grantor-password-file", type=PASSWORD_FILE, help="Their password."),
            click.option("--recovery-key-file", type=PASSWORD_FILE, help="The recovery key."),
            click.option(
                "--group",
                "groups",
                multiple=True,
                help="A review group to grant (repeat); default: all the opener holds.",
            ),
        )
    ):
        command = option(command)
    return command


def _opener(grantor: str | None, grantor_password_file: Path | None, recovery: Path | None):
    """The grantor's or the recovery key's way to open group keys; None if neither given."""
    if bool(grantor) != bool(grantor_password_file):
        raise click.ClickException("--grantor and --grantor-password-file go together")
    if grantor and recovery:
        raise click.ClickException("give either --grantor or --recovery-key-file, not both")
    try:
        if grantor:
            found = accounts.User.by_username(grantor)
            if found is None or "reviewer" not in found.role_set:
                raise click.ClickException(f"{grantor!r} is not a reviewer's account")
            return grants.opener_from_grantor(found, read_password(grantor_password_file))
        if recovery:
            return grants.opener_from_recovery(recovery.read_text(encoding="utf-8"))
    except grants.GrantError as exc:
        raise click.ClickException(str(exc)) from exc
    return None


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
@click.option("--email", help="Where a reviewer's batch notices go (a count and a link only).")
@_grant_options
@with_appcontext
def user_add(
    name: str,
    roles: tuple[str, ...],
    password_file: Path,
    email: str | None,
    grantor: str | None,
    grantor_password_file: Path | None,
    recovery_key_file: Path | None,
    groups: tuple[str, ...],
) -> None:
    """Create a staff account; a reviewer gets group keys from a grantor or the recovery key."""
    try:
        accounts.check_username(name)
        chosen = accounts.check_roles(roles)
        password = accounts.check_password(
            read_password(password_file), reviewer="reviewer" in chosen, username=name
        )
        email = None if email is None else staff_email.check_email(email)
    except accounts.AccountError as exc:
        raise _fail(exc) from exc
    if (grantor or grantor_password_file or recovery_key_file or groups) and (
        "reviewer" not in chosen
    ):
        raise click.ClickException(
            "--grantor, --recovery-key-file and --group are for the reviewer role"
        )
    with database.connection_context():
        opener = _opener(grantor, grantor_password_file, recovery_key_file)
        try:
            with database.atomic():
                accounts.create_user(name, password, chosen)
                if email is not None:
                    staff_email.set_email(name, email)
                user = accounts.get_user(name)
                granted: list[str] = []
                if "reviewer" in chosen:
                    keys.give_personal_keys(user, password)
                    if opener is not None:
                        granted = grants.grant_groups(user, groups, opener)
        except (accounts.AccountError, grants.GrantError) as exc:
            raise click.ClickException(str(exc)) from exc
    detail: dict = {"roles": list(chosen), "granted": granted}
    if email is not None:
        detail["email"] = "set"  # that it was, not the address (user-email says why)
    audit("user-add", name, detail)
    click.echo(f"created {name} ({', '.join(chosen)})")
    if granted:
        click.echo(f"granted review keys: {', '.join(granted)}")
    elif "reviewer" in chosen:
        click.echo(
            f"note: {name} holds no review key yet and reads no report; grant one with "
            f"`reporting user grant {name} --grantor NAME --grantor-password-file F` "
            "or `--recovery-key-file F`"
        )


@user_group.command("grant")
@click.argument("name")
@_grant_options
@with_appcontext
def user_grant(
    name: str,
    grantor: str | None,
    grantor_password_file: Path | None,
    recovery_key_file: Path | None,
    groups: tuple[str, ...],
) -> None:
    """Give an existing reviewer the keys of review groups (or the current generation)."""
    with database.connection_context():
        opener = _opener(grantor, grantor_password_file, recovery_key_file)
        if opener is None:
            raise click.ClickException(
                "give --grantor and --grantor-password-file, or --recovery-key-file"
            )
        try:
            granted = grants.grant_groups(accounts.get_user(name), groups, opener)
        except (accounts.AccountError, grants.GrantError) as exc:
            raise click.ClickException(str(exc)) from exc
    audit("user-grant", name, {"groups": granted})
    click.echo(f"granted {name} review keys: {', '.join(granted)}")


@user_group.command("remove")
@click.argument("name")
@with_appcontext
def user_remove(name: str) -> None:
    """Delete a staff account, its copies of review keys and its sessions."""
    with database.connection_context():
        try:
            with database.atomic():
                user = accounts.get_user(name)
                keys.revoke_all(user)
                staff_sessions.end_all_of(user.id)
                accounts.remove_user(name)
        except accounts.AccountError as exc:
            raise _fail(exc) from exc
    audit("user-remove", name)
    click.echo(f"removed {name}")


@user_group.command("passwd")
@click.argument("name")
@click.option("--password-file", required=True, type=PASSWORD_FILE, help="First line: password.")
@click.option(
    "--old-password-file",
    type=PASSWORD_FILE,
    help="The current password, to keep a reviewer's review keys under the new one.",
)
@with_appcontext
def user_passwd(name: str, password_file: Path, old_password_file: Path | None) -> None:
    """Set a new password (ends the account's sessions and clears a lock).

    A reviewer's keys move to the new password when the old one is given; otherwise the
    account gets a new key pair and must be granted its group keys again.
    """
    password = read_password(password_file)
    old = read_password(old_password_file) if old_password_file else None
    with database.connection_context():
        try:
            user = accounts.get_user(name)
            accounts.check_password(password, reviewer="reviewer" in user.role_set, username=name)
            with database.atomic():
                outcome = grants.change_password_keys(user, old, password)
                accounts.set_password(name, password)
                keys.end_sessions_of(user)
                staff_sessions.end_all_of(user.id)
        except (accounts.AccountError, grants.GrantError) as exc:
            raise click.ClickException(str(exc)) from exc
    audit("user-passwd", name, {"review_keys": outcome})
    click.echo(f"password changed for {name}")
    if outcome == "kept":
        click.echo("review keys kept under the new password")
    elif outcome == "replaced":
        click.echo(
            f"note: {name} has a new key pair and holds no review key: grant with "
            f"`reporting user grant {name} …`"
        )


@user_group.command("totp")
@click.argument("name")
@click.option("--remove", is_flag=True, help="Remove the second factor instead.")
@with_appcontext
def user_totp(name: str, remove: bool) -> None:
    """Enrol a TOTP second factor (prints the secret once) or remove it."""
    with database.connection_context():
        try:
            user = accounts.get_user(name)
        except accounts.AccountError as exc:
            raise _fail(exc) from exc
        if remove:
            totp.remove(user)
            audit("user-totp-remove", name)
            click.echo(f"second factor removed for {name}")
            return
        secret = totp.enrol(user)
        audit("user-totp-enrol", name)
    click.echo(f"second factor enrolled for {name}. Shown once; give it to them in person:")
    click.echo(f"secret: {secret}")
    click.echo(f"uri: {totp.provisioning_uri(secret, name, current_app.config['SITE_NAME'])}")


@user_group.command("set-email")
@click.argument("name")
@click.argument("address", required=False)
@click.option("--remove", is_flag=True, help="Remove the address: no more batch notices.")
@with_appcontext
def user_set_email(name: str, address: str | None, remove: bool) -> None:
    """Set (or --remove) the address a reviewer's content-free batch notices go to."""
    if remove == (address is not None):
        raise click.ClickException("give an ADDRESS or --remove, not both")
    with database.connection_context():
        try:
            staff_email.set_email(name, None if remove else address)
        except accounts.AccountError as exc:
            raise _fail(exc) from exc
    # The log records that the address changed, not the address: it is kept for ever.
    audit("user-email", name, {"email": "removed" if remove else "set"})
    click.echo(f"email {'removed' if remove else 'set'} for {name}")


@user_group.command("list")
@with_appcontext
def user_list() -> None:
    """List accounts, their roles and any email address."""
    with database.connection_context():
        users = accounts.list_users()
    if not users:
        click.echo("no accounts")
    for user in users:
        roles = ",".join(role for role in accounts.ROLES if role in user.role_set)
        click.echo(f"{user.username}\t{roles}" + (f"\t{user.email}" if user.email else ""))
