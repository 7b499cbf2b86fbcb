"""`reporting hold add|remove|list` and `reporting purge`: retention from the command line.

Holds and purges are an administrator's acts (a legal request, a retention run from cron);
each is audited by retention.py. The schedule the app keeps itself calls the same purge.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from reporting.db import database
from reporting.review import retention
from reporting.web.auditing import audit
from reporting.web.services import services


def _settings() -> retention.RetentionSettings:
    return retention.RetentionSettings.from_config(current_app.config)


@click.group("hold")
def hold_group() -> None:
    """Legal holds: content under a hold is never purged."""


@hold_group.command("add")
@click.option("--report", "report_id", metavar="ID", help="The id of the report to hold.")
@click.option("--all", "hold_all", is_flag=True, help="Hold every report's content.")
@click.option("--reason", required=True, help="Why (the case or request the hold serves).")
@with_appcontext
def hold_add_command(report_id: str | None, hold_all: bool, reason: str) -> None:
    """Hold one report (--report ID) or everything (--all) from retention."""
    if bool(report_id) == hold_all:
        raise click.UsageError("give exactly one of --report ID or --all")
    with database.connection_context():
        try:
            hold = retention.add_hold(report_id, reason, services().clock(), record=audit)
        except retention.HoldError as exc:
            raise click.ClickException(str(exc)) from exc
    target = f"report {hold.report}" if hold.report else "every report"
    click.echo(f"hold {hold.id} added on {target}")


@hold_group.command("remove")
@click.argument("hold_id")
@with_appcontext
def hold_remove_command(hold_id: str) -> None:
    """Remove a legal hold by its id; held content becomes subject to retention again."""
    with database.connection_context():
        try:
            hold = retention.remove_hold(hold_id, record=audit)
        except retention.HoldError as exc:
            raise click.ClickException(str(exc)) from exc
    target = f"report {hold.report}" if hold.report else "every report"
    click.echo(f"hold {hold.id} removed (it held {target})")


@hold_group.command("list")
@with_appcontext
def hold_list_command() -> None:
    """List legal holds: id, what is held, since when, and why."""
    with database.connection_context():
        holds = retention.list_holds()
    if not holds:
        click.echo("no legal holds")
        return
    for hold in holds:
        target = f"report {hold.report}" if hold.report else "all reports"
        click.echo(f"{hold.id}  {target}  since {hold.created:%Y-%m-%d}  {hold.reason}")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
@click.option(
    "--backups-dir",
    type=click.Path(exists=True, file_okay=False),
    help="Also list the backups in DIR past their expiry (they must be destroyed).",
)
@with_appcontext
def purge_command(dry_run: bool, backups_dir: str | None) -> None:
    """Destroy narratives, notes and messages past retention, except under a legal hold."""
    with database.connection_context():
        result = retention.purge(services().clock(), _settings(), record=audit, dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    click.echo(
        f"{verb} {result.purged} report(s); {result.held} held back by a legal hold "
        "(coded fields and released numbers are kept)"
    )
    if backups_dir:
        from reporting.ops.backup import expired_backups

        today = retention.local_date(services().clock(), _settings().timezone)
        expired = expired_backups(backups_dir, today)
        for found in expired:
            click.echo(
                f"expired backup: {found.path} (expired {found.manifest.expires}): destroy it"
            )
        click.echo(f"{len(expired)} backup(s) in {backups_dir} past their expiry")
