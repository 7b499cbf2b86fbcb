"""Administrator commands for the audit log: `reporting audit verify` and `audit list`.

Reading only: nothing here, or anywhere in the app, edits or removes an entry.
"""

from __future__ import annotations

import re

import click
from flask.cli import with_appcontext

from reporting import audit
from reporting.db import database
from reporting.web.auditing import audit_keys

ANCHOR = re.compile(r"^(\d+):([0-9a-fA-F]{64})$")


def _anchor(_ctx: click.Context, _param: click.Parameter, value: str | None):
    if value is None:
        return None
    match = ANCHOR.match(value.strip())
    if not match:
        raise click.BadParameter("give SEQ:DIGEST, as `audit verify` printed it")
    return int(match.group(1)), match.group(2)


@click.group("audit")
def audit_group() -> None:
    """The audit log of privileged actions: verify it, read it."""


@audit_group.command("verify")
@click.option(
    "--anchor",
    callback=_anchor,
    metavar="SEQ:DIGEST",
    help="An entry and digest recorded earlier outside the database, to check too.",
)
@with_appcontext
def verify_command(anchor: tuple[int, str] | None) -> None:
    """Check every entry against the chain; names the first bad one."""
    try:
        key, older = audit_keys()
    except audit.AuditError as exc:
        raise click.ClickException(str(exc)) from exc
    with database.connection_context():
        result = audit.verify(key, older_keys=older)
        problem = audit.check_anchor(*anchor) if anchor and result.ok else None
    if not result.ok:
        where = "the head row" if result.bad_seq == audit.HEAD_SEQ else f"entry {result.bad_seq}"
        raise click.ClickException(
            f"audit log verification FAILED at {where}: {result.reason} "
            f"({result.count} entries before it verified)"
        )
    if problem:
        raise click.ClickException(f"audit log verification FAILED: {problem}")
    click.echo(f"audit log verified: {result.count} entries")
    if result.count:
        click.echo(
            f"anchor (record it elsewhere; check later with --anchor): "
            f"{result.count}:{result.head_digest}"
        )


@audit_group.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--actor", help="Only this actor's entries (a username, token:NAME, cli:USER).")
@click.option("--action", help="Only this action (login, login-failed, export, …).")
@with_appcontext
def list_command(limit: int, actor: str | None, action: str | None) -> None:
    """Show the latest entries, newest first: seq, time (UTC), actor, action, object, detail."""
    with database.connection_context():
        found = audit.recent(limit=limit, actor=actor, action=action)
    if not found:
        click.echo("no entries")
        return
    click.echo("seq\ttime (UTC)\tactor\taction\tobject\tdetail")
    for entry in found:
        detail = "" if entry.detail == "{}" else entry.detail
        click.echo(
            f"{entry.seq}\t{_when(entry.at)}\t{entry.actor}\t{entry.action}\t"
            f"{entry.object}\t{detail}"
        )


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if hasattr(moment, "strftime") else str(moment)
