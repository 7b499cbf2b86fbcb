"""`reporting rotate-key`: new key pairs for review groups, every item re-wrapped to them."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from reporting import accounts
from reporting.db import database
from reporting.models import ReviewGroup
from reporting.ops.commands.accounts import PASSWORD_FILE, read_password
from reporting.privacy import crypto, rotation
from reporting.web import services
from reporting.web.auditing import audit


@click.command("rotate-key")
@click.option("--group", "groups", multiple=True, help="A group to rotate (repeat); default all.")
@click.option("--user", "username", help="A reviewer whose password opens the group keys.")
@click.option("--password-file", type=PASSWORD_FILE, help="That reviewer's password.")
@click.option("--recovery-key-file", type=PASSWORD_FILE, help="The offline recovery key.")
@with_appcontext
def rotate_key_command(
    groups: tuple[str, ...],
    username: str | None,
    password_file: Path | None,
    recovery_key_file: Path | None,
) -> None:
    """Rotate review group keys; safe to run again after an interruption (it resumes)."""
    if bool(username) == bool(recovery_key_file) or bool(username) != bool(password_file):
        raise click.ClickException(
            "give --user with --password-file, or --recovery-key-file (one of the two)"
        )
    found = services.services()
    with database.connection_context():
        if recovery_key_file:
            try:
                secret = crypto.parse_recovery_key(recovery_key_file.read_text(encoding="utf-8"))
            except crypto.CryptoError as exc:
                raise click.ClickException(str(exc)) from exc
            opener = rotation.Opener(recovery_secret=secret)
        else:
            user = accounts.User.by_username(username)
            if user is None:
                raise click.ClickException(f"no account is named {username!r}")
            opener = rotation.Opener(user=user, password=read_password(password_file))
        names = list(groups) or [g.name for g in ReviewGroup.select().order_by(ReviewGroup.name)]
        for name in names:
            try:
                result = rotation.rotate(
                    name,
                    opener,
                    now=found.clock,
                    cache_seconds=services.REVIEW_KEY_SECONDS,
                    progress=click.echo,
                )
            except rotation.RotationError as exc:
                raise click.ClickException(str(exc)) from exc
            audit(
                "key-rotated",
                name,
                {"generation": result.new_gen, "rewrapped": result.rewrapped},
            )
            click.echo(
                f"{name}: rotated to generation {result.new_gen}"
                f"{' (resumed)' if result.resumed else ''}; {result.rewrapped} item(s) "
                f"re-wrapped in {result.seconds:.1f} s"
            )
