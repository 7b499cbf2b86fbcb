"""The backup archive: one tar file with a manifest that lists and checksums everything else.

The manifest says what the archive is (format and version), when it was taken, the date it
must be destroyed by, the database kind and schema version and the app version that wrote
it, and a SHA-256 and size for every other member. Reading refuses anything that is not
exactly that: a foreign tar, a missing or extra member, a changed byte. Archives are
written under a temporary name and linked into place, so a half-written one is never seen
and none is ever overwritten. No Flask here.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

FORMAT = "reporting-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/reporting.db"
POSTGRES_MEMBER = "database/postgresql.dump"
INSTANCE_PREFIX = "instance/"
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup cannot be taken; no archive was left behind."""


class RestoreRefused(Exception):
    """The archive or the target is unsuitable; nothing was changed."""


@dataclass(frozen=True)
class Manifest:
    created: date
    expires: date
    database: str  # "sqlite" or "postgresql"
    schema_version: int
    app_version: str
    files: dict[str, dict[str, object]] = field(default_factory=dict)
    postgres_schema: str | None = None
    format_version: int = FORMAT_VERSION

    def as_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "format_version": self.format_version,
            "created": self.created.isoformat(),
            "expires": self.expires.isoformat(),
            "database": self.database,
            "schema_version": self.schema_version,
            "app_version": self.app_version,
            "postgres_schema": self.postgres_schema,
            "files": self.files,
        }
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes, source: str) -> Manifest:
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("not this product's manifest")
            manifest = cls(
                created=date.fromisoformat(data["created"]),
                expires=date.fromisoformat(data["expires"]),
                database=str(data["database"]),
                schema_version=int(data["schema_version"]),
                app_version=str(data["app_version"]),
                files=dict(data["files"]),
                postgres_schema=data.get("postgres_schema"),
                format_version=int(data["format_version"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise RestoreRefused(f"{source} is not a backup of this service: {exc}") from exc
        if manifest.database not in {"sqlite", "postgresql"}:
            raise RestoreRefused(f"{source}: unknown database kind {manifest.database!r}")
        if manifest.format_version > FORMAT_VERSION:
            raise RestoreRefused(
                f"{source} was made by a newer version of this service (backup format "
                f"{manifest.format_version}, this one reads {FORMAT_VERSION}): upgrade first"
            )
        return manifest

    @property
    def database_member(self) -> str:
        return SQLITE_MEMBER if self.database == "sqlite" else POSTGRES_MEMBER


@dataclass(frozen=True)
class ExpiredBackup:
    path: Path
    manifest: Manifest


# Writing ----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def private_workdir(beside: Path) -> Iterator[Path]:
    """A mode-0700 folder next to ``beside`` (never /tmp: it holds the data), removed after."""
    work = Path(tempfile.mkdtemp(prefix=".reporting-backup-", dir=beside))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_archive(
    path: Path, manifest: Manifest, database_file: Path, instance_files: dict[str, Path]
) -> Manifest:
    """Write the tar (mode 0600) under a temporary name, then link it into place.

    The link fails if ``path`` exists, so a backup never replaces another, even one made at
    the same moment; a half-written archive is never seen under the final name.
    """
    members = {manifest.database_member: database_file}
    members.update({INSTANCE_PREFIX + name: src for name, src in instance_files.items()})
    files = {
        name: {"sha256": _sha256(src), "size": src.stat().st_size} for name, src in members.items()
    }
    manifest = Manifest(**{**manifest.__dict__, "files": files})
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            _add_bytes(tar, MANIFEST, manifest.as_json(), manifest.created)
            for name, src in members.items():
                info = _info(name, src.stat().st_size, manifest.created)
                with src.open("rb") as handle:
                    tar.addfile(info, handle)
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        try:
            os.link(partial, path)
        except FileExistsError as exc:
            raise BackupError(f"{path} exists: a backup never overwrites a file") from exc
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _info(name: str, size: int, day: date) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = calendar.timegm(day.timetuple())  # the day, as in the manifest; no time
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, day: date) -> None:
    tar.addfile(_info(name, len(data), day), io.BytesIO(data))


# Reading ----------------------------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    """The archive's manifest, without reading the rest; RestoreRefused if it is not one."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            return Manifest.from_json(_member_bytes(tar, MANIFEST, path), str(path))
    except (tarfile.TarError, OSError) as exc:
        raise RestoreRefused(
            f"{path} is not a backup made by `reporting backup` (not a tar archive: {exc})"
        ) from exc


def _member_bytes(tar: tarfile.TarFile, name: str, path: Path) -> bytes:
    try:
        member = tar.getmember(name)
    except KeyError as exc:
        raise RestoreRefused(f"{path} is not a backup of this service (no {name})") from exc
    handle = tar.extractfile(member) if member.isfile() else None
    if handle is None:
        raise RestoreRefused(f"{path}: {name} is not a regular file")
    return handle.read()


def unpack_verified(path: Path, work: Path) -> tuple[Manifest, dict[str, Path]]:
    """Extract every member the manifest lists into ``work``, each checked against its hash.

    Any other member, a missing one or a changed byte refuses the whole archive: nothing is
    restored from a backup that is not exactly what was written.
    """
    try:
        with tarfile.open(path, mode="r:") as tar:
            manifest = Manifest.from_json(_member_bytes(tar, MANIFEST, path), str(path))
            listed = set(manifest.files) | {MANIFEST}
            strangers = [m.name for m in tar.getmembers() if m.name not in listed]
            if strangers:
                raise RestoreRefused(f"{path} holds files its manifest does not list: {strangers}")
            if manifest.database_member not in manifest.files:
                raise RestoreRefused(f"{path} holds no {manifest.database} database")
            unpacked = {}
            for index, (name, expected) in enumerate(sorted(manifest.files.items())):
                out = work / f"member-{index}"
                digest = _extract(tar, name, out, path)
                if digest != expected.get("sha256") or out.stat().st_size != expected.get("size"):
                    raise RestoreRefused(
                        f"{path} is damaged: {name} does not match the checksum in its manifest"
                    )
                unpacked[name] = out
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise RestoreRefused(f"{path} is not a readable backup archive ({exc})") from exc
    return manifest, unpacked


def _extract(tar: tarfile.TarFile, name: str, out: Path, path: Path) -> str:
    try:
        member = tar.getmember(name)
    except KeyError as exc:
        raise RestoreRefused(f"{path} is damaged: {name} is missing") from exc
    source = tar.extractfile(member) if member.isfile() else None
    if source is None:
        raise RestoreRefused(f"{path}: {name} is not a regular file")
    digest = hashlib.sha256()
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()
