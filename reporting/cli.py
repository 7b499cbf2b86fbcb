"""Administrator commands, available as `reporting …` and `flask --app reporting …`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from . import accounts_cli, instance


@click.command("init")
@click.option(
    "--recovery-key-out",
    default=instance.DEFAULT_RECOVERY_KEY_PATH,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the recovery key (never inside the instance folder).",
)
@with_appcontext
def init_command(recovery_key_out: str) -> None:
    """Create or upgrade the instance: secrets, taxonomy example, schema and review keys."""
    try:
        result = instance.initialise(
            current_app.instance_path,
            current_app.extensions["reporting.database"],
            recovery_key_out,
        )
    except instance.InitError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in result.created:
        click.echo(f"created {item}")
    if result.schema_before != result.schema_after:
        click.echo(f"schema {result.schema_before} -> {result.schema_after}")
    else:
        click.echo(f"schema is current (version {result.schema_after})")
    if result.recovery_key_path:
        click.echo(
            f"recovery key written to {result.recovery_key_path}: print it, store it offline, "
            "and delete the file. Without it or a reviewer's password no report can be read."
        )
    click.echo(f"instance ready in {current_app.instance_path}")


@click.command("release")
@with_appcontext
def release_command() -> None:
    """Build every release that is due (closed months past the lag), in order."""
    from . import releases
    from .db import database
    from .services import services

    found = services()
    with database.connection_context():
        built = releases.build_due(found.require_taxonomy(), found.release_policy, found.clock)
        for release in built:
            click.echo(
                f"released {release.month}: {release.cells_published} cells published, "
                f"{release.cells_hidden} hidden ({release.hidden_at_least_k} of them with a "
                f"count of at least k={release.threshold})"
            )
        if not built:
            latest = releases.released_through()
            click.echo(f"nothing due; released through {latest or 'no month yet'}")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@with_appcontext
def import_command(file: str) -> None:
    """Import historical reports from JSON Lines (all lines or none; see README)."""
    from . import imports
    from .db import database
    from .services import services

    found = services()
    with open(file, "rb") as handle:
        data = handle.read()
    with database.connection_context():
        try:
            result = imports.import_reports(
                data,
                found.require_taxonomy(),
                scrubber=found.scrubber,
                pepper=found.pepper,
                clock=found.clock,
                timezone=found.timezone,
                max_narrative=int(current_app.config["MAX_NARRATIVE_CHARS"]),
            )
        except imports.ImportRefused as exc:
            for line in exc.listing():
                click.echo(line, err=True)
            raise click.ClickException(f"{file}: {exc}") from exc
    for line in imports.summary(result):
        click.echo(line)


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(release_command)
    app.cli.add_command(import_command)
    app.cli.add_command(accounts_cli.user_group)
    app.cli.add_command(accounts_cli.token_group)


def _create_cli_app() -> Flask:
    from . import create_app

    return create_app(serving=False)


@click.group(cls=FlaskGroup, create_app=_create_cli_app, add_default_commands=True)
def main() -> None:
    """Anonymous moral-distress and near-miss reporting: administration."""
