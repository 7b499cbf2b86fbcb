"""`reporting batch`: release the daily batch to reviewers from cron, not only on a request."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from reporting.review import housekeeping
from reporting.web.auditing import audit


@click.command("batch")
@with_appcontext
def batch_command() -> None:
    """Run the daily batch (and other due housekeeping) if its time has passed."""
    from reporting.db import database
    from reporting.web.services import services

    settings = housekeeping.HousekeepingSettings.from_config(current_app.config)
    with database.connection_context():
        result = housekeeping.run_due(settings, services().clock(), record=audit).batch
    if result.started:
        click.echo("batch schedule started; reports filed from now appear after the next batch")
    elif result.ran:
        click.echo(
            f"batch of {result.batch_date.isoformat()}: {result.reports} reports and "
            f"{result.messages} reporter messages released ({result.batches} batch times)"
        )
    else:
        click.echo(f"nothing due; last batch {result.batch_date.isoformat()}")
