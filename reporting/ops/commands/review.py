"""`reporting batch`: release the daily batch to reviewers from cron, not only on a request."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from reporting.review import housekeeping
from reporting.web.auditing import audit


@click.command("batch")
@click.option(
    "--now",
    "force",
    is_flag=True,
    help="Release everything waiting now, once a day (audited), without waiting for the time.",
)
@with_appcontext
def batch_command(force: bool) -> None:
    """Run the daily batch (and other due housekeeping) if its time has passed."""
    from reporting.db import database
    from reporting.review import batches
    from reporting.web.services import services

    settings = housekeeping.HousekeepingSettings.from_config(current_app.config)
    if force:
        with database.connection_context():
            try:
                result = batches.run_now(services().clock(), settings.batch)
            except batches.BatchRefused as exc:
                raise click.ClickException(str(exc)) from exc
        audit("batch-now", result.batch_date.isoformat(),
              {"reports": result.reports, "messages": result.messages})  # fmt: skip
        click.echo(
            f"forced batch: {result.reports} reports and {result.messages} reporter messages "
            "released to reviewers now; the next batch runs at the usual time"
        )
        _echo_emailed(result.emailed)
        return
    with database.connection_context():
        result = housekeeping.run_due(settings, services().clock(), record=audit).batch
    if result.started:
        click.echo("batch schedule started; reports filed from now appear after the next batch")
    elif result.ran:
        click.echo(
            f"batch of {result.batch_date.isoformat()}: {result.reports} reports and "
            f"{result.messages} reporter messages released ({result.batches} batch times)"
        )
        _echo_emailed(result.emailed)
    else:
        click.echo(f"nothing due; last batch {result.batch_date.isoformat()}")


def _echo_emailed(emailed: int) -> None:
    """How many reviewers' notices the mail server took (a failure is in the log)."""
    if emailed:
        click.echo(f"emailed {emailed} reviewer{'' if emailed == 1 else 's'} (a count and a link)")
