"""`reporting backup PATH`, `reporting restore PATH` and `reporting check`.

The operator's commands for the worst night: take a copy while the app serves, put it back
into an empty instance, and ask whether the result is healthy. The work is in backup.py,
restore.py and check.py; this module only finds the instance's paths, dates and keys in
the app.
"""

from __future__ import annotations

import json
import os
from datetime import date
from importlib import metadata
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from reporting import audit
from reporting.db import database, is_sqlite
from reporting.ops import backup, check, restore
from reporting.ops.instance import SECRETS_FILE
from reporting.review import retention
from reporting.web.auditing import audit as audit_action
from reporting.web.auditing import current_actor


def _deployment() -> backup.Deployment:
    db = current_app.extensions["reporting.database"]
    taxonomy = current_app.config.get("TAXONOMY_PATH")
    return backup.Deployment(
        instance_path=Path(current_app.instance_path),
        sqlite_path=db.database if is_sqlite(db) else None,
        postgres_url=None if is_sqlite(db) else current_app.config.get("DATABASE_URL"),
        taxonomy_path=Path(taxonomy) if taxonomy else None,
        names_file=str(current_app.config["DEID_NAMES_FILE"]),
    )


def _now():
    return current_app.extensions["reporting"].clock()


def _today() -> date:
    return retention.local_date(_now(), current_app.config["TIMEZONE"])


def app_version() -> str:
    try:
        return metadata.version("reporting")
    except metadata.PackageNotFoundError:
        return "unknown"


def backup_path(path: Path, today: date) -> Path:
    """PATH itself, or in a folder the next free name ``reporting-YYYY-MM-DD[-N].tar``."""
    if not path.is_dir():
        return path
    for number in range(1, 1000):
        suffix = "" if number == 1 else f"-{number}"
        candidate = path / f"reporting-{today:%Y-%m-%d}{suffix}.tar"
        if not candidate.exists():
            return candidate
    raise click.ClickException(f"{path} holds a thousand backups from today already")


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write an online, consistent backup to PATH (a new file, or a folder to put one in)."""
    today = _today()
    settings = retention.RetentionSettings.from_config(current_app.config)
    expires = retention.expiry_for_backup(today, settings)
    target = backup_path(path, today)
    try:
        manifest = backup.take_backup(
            target, _deployment(), taken_on=today, expires=expires, app_version=app_version()
        )
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_action("backup", target.name, {"expires": expires.isoformat()})
    size = target.stat().st_size
    click.echo(
        f"backup written to {target} ({size:,} bytes, {manifest.database}, schema "
        f"{manifest.schema_version}); destroy it by {expires:%Y-%m-%d}"
    )
    click.echo("it holds no recovery key; it does hold the instance secrets: keep it private")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--allow-expired", is_flag=True, help="Restore a backup past its expiry (a legal hold)."
)
@with_appcontext
def restore_command(path: Path, allow_expired: bool) -> None:
    """Restore a backup into this empty instance and database, then upgrade its schema."""
    db = current_app.extensions["reporting.database"]
    try:
        result = restore.restore_backup(
            path, _deployment(), db, today=_today(), allow_expired=allow_expired
        )
    except restore.RestoreRefused as exc:
        raise click.ClickException(f"restore refused: {exc}") from exc
    _audit_restore(path, result)
    manifest = result.manifest
    click.echo(
        f"restored the backup of {manifest.created:%Y-%m-%d} ({manifest.database}, app "
        f"{manifest.app_version}) into {current_app.instance_path}"
    )
    if result.schema_before != result.schema_after:
        click.echo(f"schema upgraded {result.schema_before} -> {result.schema_after}")
    for name in result.kept:
        click.echo(
            f"kept this instance's own {name}; the backup's copy is {name}"
            f"{restore.FROM_BACKUP_SUFFIX}: compare them"
        )
    click.echo(
        "next: `reporting purge` (what was due in the backup is still due), then "
        "`reporting check`, then start the app"
    )


def _audit_restore(path: Path, result: restore.RestoreResult) -> None:
    """Recorded under the restored instance's own key: its log continues the backup's."""
    secrets = json.loads(Path(current_app.instance_path, SECRETS_FILE).read_text("utf-8"))
    key = audit.key_from_secret(secrets.get("SECRET_KEY") or "")
    detail = {"taken": result.manifest.created.isoformat(), "schema": result.schema_after}
    with database.connection_context():
        audit.append(
            key, at=_now(), actor=current_actor(), action="restore", obj=path.name, detail=detail
        )


@click.command("check")
@click.option(
    "--min-free-mb",
    default=check.DEFAULT_MIN_FREE_MB,
    show_default=True,
    type=click.IntRange(0),
    help="Warn when the instance folder's disk has less free space than this.",
)
@with_appcontext
def check_command(min_free_mb: int) -> None:
    """Check config, secrets, taxonomy, database, schema, keys, releases, disk and audit log."""
    findings = check.run_checks(
        current_app.config,
        current_app.instance_path,
        _now(),
        min_free_mb=min_free_mb,
        working_dir=os.getcwd(),
    )
    for finding in findings:
        click.echo(finding.line())
    failed = [f.name for f in findings if f.status == check.FAIL]
    if failed:
        click.echo(f"FAILED: {', '.join(failed)}", err=True)
        raise SystemExit(1)
