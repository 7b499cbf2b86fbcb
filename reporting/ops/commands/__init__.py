"""Administrator commands, available as `reporting …` and `flask --app reporting …`."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from reporting.ops import instance
from reporting.ops.commands import accounts as accounts_cli
from reporting.ops.commands import audit as audit_cli
from reporting.ops.commands import backup as backup_cli
from reporting.ops.commands import pulse as pulse_cli
from reporting.ops.commands import retention as retention_cli
from reporting.ops.commands import review as review_cli
from reporting.ops.commands import rotation as rotation_cli
from reporting.ops.commands import tokens as tokens_cli
from reporting.ops.commands import writer as writer_cli
from reporting.web.auditing import audit


@click.command("init")
@click.option(
    "--recovery-key-out",
    default=instance.DEFAULT_RECOVERY_KEY_PATH,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the recovery key (never inside the instance folder).",
)
@click.option(
    "--recovery-key-file",
    type=click.Path(exists=True, dir_okay=False),
    help="The existing recovery key: sign review keys not yet signed and pin the signer.",
)
@with_appcontext
def init_command(recovery_key_out: str, recovery_key_file: str | None) -> None:
    """Create or upgrade the instance: secrets, taxonomy example, schema and review keys."""
    from reporting.privacy import crypto

    secret = None
    if recovery_key_file:
        try:
            with open(recovery_key_file, encoding="utf-8") as handle:
                secret = crypto.parse_recovery_key(handle.read())
        except crypto.CryptoError as exc:
            raise click.ClickException(str(exc)) from exc
    try:
        result = instance.initialise(
            current_app.instance_path,
            current_app.extensions["reporting.database"],
            recovery_key_out,
            list(current_app.config["REVIEW_GROUPS"]),
            recovery_secret=secret,
        )
    except instance.InitError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in result.created:
        click.echo(f"created {item}")
    for notice in result.notices:
        click.echo(notice)
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
    from reporting.db import database
    from reporting.releases import builder
    from reporting.web.services import services

    found = services()
    with database.connection_context():
        built = builder.build_due(found.require_taxonomy(), found.release_policy, found.clock)
        for release in built:
            audit("release-built", release.month)
            click.echo(
                f"released {release.month}: {release.cells_published} cells published, "
                f"{release.cells_hidden} hidden ({release.hidden_at_least_k} of them with a "
                f"count of at least k={release.threshold})"
            )
        if not built:
            latest = builder.released_through()
            click.echo(f"nothing due; released through {latest or 'no month yet'}")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@with_appcontext
def import_command(file: str) -> None:
    """Import historical reports from JSON Lines (all lines or none; see README)."""
    from reporting.db import database
    from reporting.ops import imports
    from reporting.web.services import services

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
                routes=found.review_routes,
            )
        except imports.ImportRefused as exc:
            for line in exc.listing():
                click.echo(line, err=True)
            raise click.ClickException(f"{file}: {exc}") from exc
    for line in imports.summary(result):
        click.echo(line)


@click.command("demo")
@click.option("--months", default=24, show_default=True, type=click.IntRange(1, 120))
@click.option("--scale", default=2.0, show_default=True, type=click.FloatRange(0, 20))
@click.option("--seed", default=2026, show_default=True, type=int)
@with_appcontext
def demo_command(months: int, scale: float, seed: int) -> None:
    """Fill an empty instance with a demo hospital, synthetic reports, releases and a login."""
    import time
    from pathlib import Path

    from reporting.db import database
    from reporting.ops import demo
    from reporting.web.services import services

    found = services()
    started = time.monotonic()
    path = Path(
        current_app.config.get("TAXONOMY_PATH")
        or Path(current_app.instance_path, instance.TAXONOMY_FILE)
    )
    with database.connection_context():
        try:
            result = demo.run(
                path,
                demo.Volume(months=months, scale=scale, seed=seed),
                pepper=found.pepper,
                scrubber=found.scrubber,
                policy=found.release_policy,
                clock=found.clock,
                routes=found.review_routes,
                pulse_min_rate=float(current_app.config["PULSE_MIN_RESPONSE_RATE"]),
            )
        except demo.InstanceNotEmpty as exc:
            raise click.ClickException(str(exc)) from exc
    if result.taxonomy_written:
        click.echo(f"wrote the demo taxonomy to {path}")
    else:
        click.echo(f"kept the existing taxonomy in {path}")
    kinds = ", ".join(f"{n} {kind}" for kind, n in result.per_kind.items())
    click.echo(
        f"filed {result.total} synthetic reports ({kinds}) "
        f"for {result.periods[0]} to {result.periods[-1]}"
    )
    published = sum(r.cells_published for r in result.releases)
    hidden = sum(r.cells_hidden for r in result.releases)
    at_least_k = sum(r.hidden_at_least_k for r in result.releases)
    click.echo(
        f"built {len(result.releases)} releases: {published} cells published, {hidden} hidden "
        f"({at_least_k} of them with a count of at least k)"
    )
    for wave in result.pulse:
        click.echo(
            f"released pulse wave {wave.wave}: {wave.published} cells published, "
            f"{wave.hidden} hidden; units below the response floor: "
            f"{', '.join(wave.left_out_units) or 'none'}"
        )
    click.echo(f"done in {time.monotonic() - started:.0f} s. Start the app (make run) and log in:")
    bind = os.environ.get("REPORTING_BIND", "127.0.0.1:5000")  # what `make run` serves on
    click.echo(f"  URL:      http://{bind}/login")
    click.echo(f"  username: {result.username}")
    click.echo(f"  password: {result.password}")


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(release_command)
    app.cli.add_command(import_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(accounts_cli.user_group)
    app.cli.add_command(tokens_cli.token_group)
    app.cli.add_command(pulse_cli.pulse_group)
    app.cli.add_command(audit_cli.audit_group)
    app.cli.add_command(rotation_cli.rotate_key_command)
    app.cli.add_command(retention_cli.hold_group)
    app.cli.add_command(retention_cli.purge_command)
    app.cli.add_command(review_cli.batch_command)
    app.cli.add_command(backup_cli.backup_command)
    app.cli.add_command(backup_cli.restore_command)
    app.cli.add_command(backup_cli.check_command)
    app.cli.add_command(writer_cli.writer_command)


def _create_cli_app() -> Flask:
    from reporting.web import create_app

    return create_app(serving=False)


@click.group(cls=FlaskGroup, create_app=_create_cli_app, add_default_commands=True)
def main() -> None:
    """Anonymous moral-distress and near-miss reporting: administration."""
