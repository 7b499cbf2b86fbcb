"""Taking a backup while the app serves, and finding the backups that must be destroyed.

What an operator needs at 3 a.m. is one archive (backup_archive.py) holding the database
and the instance files the app cannot run without, and a restore (restore.py) that refuses
anything it could damage. The database copy is online and consistent: SQLite's backup API
copies in one read transaction while filing goes on; pg_dump reads in one snapshot
(backup_pg.py). The recovery key is never in a backup: it never lives in the instance
folder. A backup holds the session secret and the receipt pepper, so keep it like the
instance folder, and destroy it by the date in its manifest (retention.expiry_for_backup).
No Flask here.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reporting.ops import backup_pg
from reporting.ops.backup_archive import (
    BackupError,
    ExpiredBackup,
    Manifest,
    RestoreRefused,
    private_workdir,
    read_manifest,
    write_archive,
)

__all__ = ["BackupError", "Deployment", "expired_backups", "take_backup"]

# Instance files backed up (and restored, restore.py) alongside the database. secrets.json
# and taxonomy.toml are required; config.py and the scrubber's list of names only if the
# deployment has them.
REQUIRED_FILES = ("secrets.json", "taxonomy.toml")
OPTIONAL_FILES = ("config.py", "deid-names.txt")


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
