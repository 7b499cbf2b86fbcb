"""Taking a backup while the app serves, and restoring one into an empty instance.

What an operator needs at 3 a.m. is one archive (backup_archive.py) holding the database
and the instance files the app cannot run without, and a restore that refuses anything it
could damage: a non-empty target, a database of the other kind, a newer schema, an archive
with one byte changed. The database copy is online and consistent: SQLite's backup API
copies in one read transaction while filing goes on; pg_dump reads in one snapshot
(backup_pg.py). The recovery key is never in a backup: it never lives in the instance
folder. A backup holds the session secret and the receipt pepper, so keep it like the
instance folder, and destroy it by the date in its manifest (retention.expiry_for_backup).
No Flask here.
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
from reporting.ops.backup_archive import (
    POSTGRES_MEMBER,
    SQLITE_MEMBER,
    BackupError,
    ExpiredBackup,
    Manifest,
    RestoreRefused,
    private_workdir,
    read_manifest,
    unpack_verified,
    write_archive,
)

__all__ = [
    "BackupError",
    "Deployment",
    "RestoreRefused",
    "RestoreResult",
    "expired_backups",
    "restore_backup",
    "take_backup",
]

# Instance files restored alongside the database. secrets.json and taxonomy.toml are
# required; config.py and the scrubber's list of names only if the deployment has them.
REQUIRED_FILES = ("secrets.json", "taxonomy.toml")
OPTIONAL_FILES = ("config.py", "deid-names.txt")
FROM_BACKUP_SUFFIX = ".from-backup"


@dataclass(frozen=True)
class Deployment:
    """Where one instance keeps its files and its data: a SQLite file or a PostgreSQL URL."""

    instance_path: Path
    sqlite_path: str | None = None
    postgres_url: str | None = None
    taxonomy_path: Path | None = None
    names_file: str = "deid-names.txt"

    @property
    def kind(self) -> str:
        return "sqlite" if self.sqlite_path else "postgresql"

    def instance_files(self) -> dict[str, Path]:
        """The files to back up, by their name in the instance folder."""
        candidates = {
            "secrets.json": self.instance_path / "secrets.json",
            "taxonomy.toml": self.taxonomy_path or self.instance_path / "taxonomy.toml",
            "config.py": self.instance_path / "config.py",
            "deid-names.txt": self.instance_path / self.names_file,
        }
        found = {name: path for name, path in candidates.items() if path.is_file()}
        missing = [name for name in REQUIRED_FILES if name not in found]
        if missing:
            raise BackupError(
                f"the instance folder {self.instance_path} lacks {', '.join(missing)}: "
                "back up an initialised instance (`reporting init`)"
            )
        return found


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    schema_before: int
    schema_after: int
    kept: tuple[str, ...]  # the target's own files kept, the backup's copy written beside


def take_backup(
    path: Path, deployment: Deployment, *, taken_on: date, expires: date, app_version: str
) -> Manifest:
    """Write one archive at ``path`` (which must not exist) while the app keeps serving."""
    path = Path(path).absolute()
    if path.exists() or path.is_symlink():
        raise BackupError(f"{path} exists: a backup never overwrites a file")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    files = deployment.instance_files()
    postgres_schema = None
    with private_workdir(path.parent) as work:
        copy = work / "database"
        if deployment.sqlite_path:
            version = copy_sqlite(deployment.sqlite_path, copy)
        else:
            target = backup_pg.target_of(deployment.postgres_url or "")
            postgres_schema = target.schema
            try:
                version = backup_pg.schema_version(target)
                backup_pg.dump(target, copy)
            except (backup_pg.PostgresToolError, OSError) as exc:
                raise BackupError(str(exc)) from exc
            except Exception as exc:  # psycopg2's errors: unreachable server, no schema
                raise BackupError(f"cannot read the database: {exc}".strip()) from exc
        if version < 1:
            raise BackupError("the database has no schema: run `reporting init` first")
        manifest = Manifest(
            created=taken_on,
            expires=expires,
            database=deployment.kind,
            schema_version=version,
            app_version=app_version,
            postgres_schema=postgres_schema,
        )
        return write_archive(path, manifest, copy, files)


def copy_sqlite(source_path: str, out: Path) -> int:
    """An online, consistent copy through SQLite's backup API; returns its schema version.

    The copy is made in one step, inside one read transaction: in WAL mode writers carry on
    meanwhile, and the copy is the database as of one commit. Freed pages come across
    zeroed, as secure_delete left them.
    """
    if not Path(source_path).is_file():
        raise BackupError(f"no SQLite database at {source_path}: run `reporting init`")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(out)
    try:
        source.backup(target)
        # The copy is a single file: no write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        return sqlite_schema_version(target)
    except sqlite3.Error as exc:
        raise BackupError(f"copying the SQLite database failed: {exc}") from exc
    finally:
        target.close()
        source.close()


def sqlite_schema_version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT version FROM schema_version WHERE id = 1").fetchone()
    except sqlite3.DatabaseError:
        return 0
    return int(row[0]) if row else 0


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


def expired_backups(folder: str | Path, today: date) -> list[ExpiredBackup]:
    """Backups in ``folder`` whose expiry date has come (``expires <= today``), oldest first.

    Files that are not backups of this service are left out: a backup is known by its
    manifest, not its name. A backup is listed from the day it must be destroyed by.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder")
    found = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        try:
            manifest = read_manifest(path)
        except RestoreRefused:
            continue
        if manifest.expires <= today:
            found.append(ExpiredBackup(path, manifest))
    return sorted(found, key=lambda item: (item.manifest.expires, item.path.name))
