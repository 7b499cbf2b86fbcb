"""Restoring a backup into an empty instance, refusing anything the restore could damage.

A restore refuses a non-empty target, a database of the other kind, a newer schema, an
expired backup (unless a legal hold needs it) and an archive with one byte changed, all
before it writes anything; a failure while placing files removes what it wrote. The
target's own optional files are kept and the backup's copy written beside them. The
schema is upgraded afterwards, so a backup from an older version comes back current. No
Flask here.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from peewee import Database

from reporting import schema
from reporting.db import bind
from reporting.ops import backup_pg
from reporting.ops.backup import OPTIONAL_FILES, REQUIRED_FILES, Deployment
from reporting.ops.backup_archive import (
    POSTGRES_MEMBER,
    SQLITE_MEMBER,
    Manifest,
    RestoreRefused,
    private_workdir,
    read_manifest,
    unpack_verified,
)

__all__ = ["FROM_BACKUP_SUFFIX", "RestoreRefused", "RestoreResult", "restore_backup"]

FROM_BACKUP_SUFFIX = ".from-backup"


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    schema_before: int
    schema_after: int
    kept: tuple[str, ...]  # the target's own files kept, the backup's copy written beside


def restore_backup(
    path: Path, deployment: Deployment, db: Database, *, today: date, allow_expired: bool = False
) -> RestoreResult:
    """Restore into an empty instance and database, then upgrade an older schema.

    Everything is checked first (manifest, kind, versions, expiry, an empty target, every
    checksum); a failure while placing files removes what this call wrote.
    """
    path = Path(path)
    if not path.is_file():
        raise RestoreRefused(f"{path}: no such backup file")
    manifest = read_manifest(path)
    _refuse_unsuitable(manifest, deployment, today, allow_expired)
    _refuse_non_empty(deployment)
    deployment.instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    written: list[Path] = []
    with private_workdir(deployment.instance_path) as work:
        manifest, members = unpack_verified(path, work)
        try:
            kept = _place_instance_files(members, deployment.instance_path, written)
            if deployment.sqlite_path:
                _place_sqlite(members[SQLITE_MEMBER], Path(deployment.sqlite_path), written)
            else:
                target = backup_pg.target_of(deployment.postgres_url or "")
                dumped = manifest.postgres_schema or "public"
                backup_pg.restore(target, members[POSTGRES_MEMBER], dumped, work)
        except backup_pg.PostgresToolError as exc:
            _remove(written)
            raise RestoreRefused(str(exc)) from exc
        except BaseException:
            _remove(written)
            raise
    os.chmod(deployment.instance_path, 0o700)
    bind(db)
    before, after = schema.upgrade(db)
    return RestoreResult(manifest, before, after, tuple(kept))


def _refuse_unsuitable(
    manifest: Manifest, deployment: Deployment, today: date, allow_expired: bool
) -> None:
    if manifest.database != deployment.kind:
        raise RestoreRefused(
            f"this backup holds a {manifest.database} database but this instance is configured "
            f"for {deployment.kind}: set REPORTING_DATABASE_URL to match the backup"
        )
    if manifest.schema_version > schema.LATEST:
        raise RestoreRefused(
            f"this backup's schema (version {manifest.schema_version}) is newer than this "
            f"code's ({schema.LATEST}): install the version that made it "
            f"({manifest.app_version}) or later"
        )
    if manifest.expires <= today and not allow_expired:
        raise RestoreRefused(
            f"this backup expired on {manifest.expires:%Y-%m-%d} and must be destroyed; "
            "restore it only if a legal hold requires it (--allow-expired), then run "
            "`reporting purge`"
        )


def _refuse_non_empty(deployment: Deployment) -> None:
    folder = deployment.instance_path
    present = [name for name in REQUIRED_FILES if (folder / name).exists()]
    if present:
        raise RestoreRefused(
            f"the instance folder {folder} already holds {', '.join(present)}: restore only "
            "into an empty instance (a new folder, REPORTING_INSTANCE_PATH), so nothing is "
            "overwritten"
        )
    if deployment.sqlite_path:
        tables = _sqlite_tables(Path(deployment.sqlite_path))
        where = deployment.sqlite_path
    else:
        target = backup_pg.target_of(deployment.postgres_url or "")
        try:
            tables = backup_pg.tables_in(target)
        except Exception as exc:  # psycopg2's errors: the server cannot be reached
            raise RestoreRefused(f"cannot reach the target database: {exc}".strip()) from exc
        where = f"schema {target.schema!r} of the configured PostgreSQL database"
    if tables:
        raise RestoreRefused(
            f"the target database ({where}) is not empty: it has {len(tables)} table(s). "
            "Restore only into an empty database, so nothing is overwritten"
        )


def _sqlite_tables(path: Path) -> list[str]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return [row[0] for row in rows]
    except sqlite3.DatabaseError:
        return ["(a file that is not a SQLite database)"]


def _place_instance_files(members: dict[str, Path], folder: Path, written: list[Path]) -> list[str]:
    """Link the backup's instance files into place; the target's own optional files stay."""
    kept = []
    for name in REQUIRED_FILES + OPTIONAL_FILES:
        source = members.get("instance/" + name)
        if source is None:
            continue
        destination = folder / name
        if destination.exists():
            if destination.read_bytes() == source.read_bytes():
                continue
            kept.append(name)
            destination = folder / (name + FROM_BACKUP_SUFFIX)
            if destination.exists():
                continue
        os.link(source, destination)
        written.append(destination)
    return kept


def _place_sqlite(source: Path, destination: Path, written: list[Path]) -> None:
    destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # An empty database file (checked above) and its journal files give way to the copy.
    for leftover in (destination, Path(f"{destination}-wal"), Path(f"{destination}-shm")):
        leftover.unlink(missing_ok=True)
    _link_or_copy(source, destination)
    written.append(destination)


def _link_or_copy(source: Path, destination: Path) -> None:
    """A hard link where the work folder shares the file system, else a private copy."""
    try:
        os.link(source, destination)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
            shutil.copyfileobj(handle, out)
            out.flush()
            os.fsync(out.fileno())


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
