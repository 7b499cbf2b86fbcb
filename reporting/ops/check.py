"""`reporting check`: is this deployment healthy? One line per thing that can be wrong.

An operator runs it after installing, after an upgrade or a restore, and from monitoring.
Each check says ok, WARN (works, but needs attention) or FAIL (the service is broken or
unsafe), with the fix in its own words. Checks that need the database are skipped as
failures when it cannot be reached, rather than hidden. No Flask here: the command line
passes the app's configuration and instance folder in.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from reporting import audit, config, schema
from reporting.db import database, is_sqlite
from reporting.models import Membership, ReviewGroup
from reporting.ops import check_services
from reporting.ops.check_findings import FAIL, OK, WARN, Finding, Problem
from reporting.ops.instance import (
    DEFAULT_RECOVERY_KEY_PATH,
    SECRETS_FILE,
    TAXONOMY_FILE,
    load_secrets,
)
from reporting.privacy import pinning
from reporting.releases import builder
from reporting.taxonomy import TaxonomyError
from reporting.taxonomy_file import load_taxonomy

DEFAULT_MIN_FREE_MB = 1024
_RECOVERY_MARK = b"reporting recovery key"


def run_checks(
    settings: Mapping[str, Any],
    instance_path: str | Path,
    now: datetime,
    *,
    min_free_mb: int = DEFAULT_MIN_FREE_MB,
    working_dir: str | Path = ".",
) -> list[Finding]:
    """Every check, in the order an operator would fix them."""
    instance = Path(instance_path)
    checks: list[tuple[str, Callable[[], str]]] = [
        ("config", lambda: _config(settings)),
        ("secrets", lambda: _secrets(settings, instance)),
        ("recovery key", lambda: _recovery_key(instance, Path(working_dir))),
        ("taxonomy", lambda: _taxonomy(settings, instance)),
        ("rate limits", lambda: _rate_limits(settings)),
        ("disk", lambda: _disk(instance, min_free_mb)),
    ]
    findings = [_run(name, check) for name, check in checks]
    database_finding = _run("database", _database)
    findings.append(database_finding)
    dependent: list[tuple[str, Callable[[], str]]] = [
        ("schema", _schema),
        ("review keys", lambda: _review_keys(settings, instance)),
        ("releases", lambda: _releases(settings, now)),
        ("audit log", lambda: _audit(settings)),
        ("email", lambda: check_services.email(settings)),
        ("writer", check_services.writer),
    ]
    for name, check in dependent:
        if database_finding.status == FAIL:
            findings.append(Finding(name, FAIL, "not checked: the database cannot be reached"))
        else:
            findings.append(_run(name, check))
    return findings


def _run(name: str, check: Callable[[], str]) -> Finding:
    try:
        return Finding(name, OK, check())
    except Problem as problem:
        return Finding(name, problem.status, str(problem))
    except Exception as exc:  # any other error is this check failing, named, not a crash
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Finding(name, FAIL, detail)


def _config(settings: Mapping[str, Any]) -> str:
    config.check(dict(settings), serving=True)
    if not settings.get("SESSION_COOKIE_SECURE"):
        raise Problem(WARN, "SESSION_COOKIE_SECURE is off: set it true once served over TLS")
    return f"time zone {settings['TIMEZONE']}, threshold k={settings['RELEASE_THRESHOLD']}"


def _secrets(settings: Mapping[str, Any], instance: Path) -> str:
    path = instance / SECRETS_FILE
    if not path.is_file():
        raise Problem(FAIL, f"{path} is missing: run `reporting init` (or restore a backup)")
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise Problem(FAIL, f"{path} is not valid JSON: {exc}") from exc
    for name in ("SECRET_KEY", "RECEIPT_PEPPER"):
        value = settings.get(name) or stored.get(name)
        if not value or len(str(value)) < 32:
            raise Problem(FAIL, f"{name} is missing or short in {path}")
    _private(instance, 0o700, "chmod 700 it")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise Problem(WARN, f"{path} is readable by others (mode {mode:o}): chmod 600 it")
    return f"{path.name} present, mode {mode:o}"


def _recovery_key(instance: Path, working_dir: Path) -> str:
    """The recovery key belongs offline: never in the instance folder, never left lying about."""
    for path in sorted(instance.glob("*")):
        if path.is_file() and path.stat().st_size < 4096 and _RECOVERY_MARK in path.read_bytes():
            raise Problem(
                FAIL, f"{path} is a recovery key inside the instance folder: move it offline"
            )
    leftover = working_dir / DEFAULT_RECOVERY_KEY_PATH
    if leftover.is_file():
        raise Problem(
            WARN, f"{leftover.resolve()} still exists: print it, store it offline, delete the file"
        )
    return "not in the instance folder"


def _taxonomy(settings: Mapping[str, Any], instance: Path) -> str:
    path = Path(settings.get("TAXONOMY_PATH") or instance / TAXONOMY_FILE)
    if not path.is_file():
        raise Problem(FAIL, f"{path} is missing: run `reporting init`")
    try:
        taxonomy = load_taxonomy(path)
    except TaxonomyError as exc:
        raise Problem(FAIL, str(exc)) from exc
    return f"{len(taxonomy.departments)} departments, {len(taxonomy.units)} units"


def _rate_limits(settings: Mapping[str, Any]) -> str:
    storage = str(settings.get("RATELIMIT_STORAGE") or "memory://")
    if not storage.startswith(("redis://", "rediss://", "unix://")):
        return f"{storage.split(':', 1)[0]} (each app process counts alone)"
    import redis

    try:
        redis.Redis.from_url(storage, socket_timeout=3, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise Problem(FAIL, f"Redis for rate limits does not answer: {exc}") from exc
    return "Redis answers (limits shared between instances)"


def _disk(instance: Path, min_free_mb: int) -> str:
    usage = shutil.disk_usage(instance if instance.exists() else instance.parent)
    free_mb = usage.free // (1024 * 1024)
    text = f"{free_mb:,} MB free where the instance folder is"
    if free_mb < min_free_mb:
        raise Problem(WARN, f"only {text} (warning under {min_free_mb:,} MB)")
    return text


def _database() -> str:
    with database.connection_context():
        database.execute_sql("SELECT 1").fetchone()
    if is_sqlite(database):
        path = Path(database.obj.database)
        _private(path, 0o600, "chmod 600 it (and its -wal and -shm files)")
        return f"SQLite at {path}"
    return "PostgreSQL answers"


def _private(path: Path, wanted: int, fix: str) -> None:
    """FAIL when others than the service user may read ``path`` (a copy is every report)."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise Problem(
            FAIL, f"{path} is open to other users (mode {mode:o}, want {wanted:o}): {fix}"
        )


def _schema() -> str:
    with database.connection_context():
        version = schema.current_version(database.obj)
    if version < schema.LATEST:
        raise Problem(
            FAIL, f"schema version {version}, this code needs {schema.LATEST}: run `reporting init`"
        )
    if version > schema.LATEST:
        raise Problem(
            FAIL, f"schema version {version} is newer than this code ({schema.LATEST}): upgrade"
        )
    return f"version {version} (current)"


def _review_keys(settings: Mapping[str, Any], instance: Path) -> str:
    configured = list(config.review_groups(dict(settings)).values())
    names = sorted(set(configured))
    with database.connection_context():
        groups = {g.name: g for g in ReviewGroup.select()}
        holders = {
            name: Membership.select()
            .where((Membership.group == name) & (Membership.key_gen == groups[name].key_gen))
            .count()
            for name in names
            if name in groups
        }
    missing = [name for name in names if name not in groups or not groups[name].public_key]
    if missing:
        raise Problem(
            FAIL, f"no key pair for review group(s) {', '.join(missing)}: run `reporting init`"
        )
    stored = load_secrets(str(instance))
    pin = pinning.parse_pin(settings.get(pinning.PIN_SETTING) or stored.get(pinning.PIN_SETTING))
    added = settings.get(pinning.ADDED_SETTING) or stored.get(pinning.ADDED_SETTING)
    problems = [pinning.key_problem(groups[name], pin, added) for name in names]
    if any(problems):
        raise Problem(FAIL, "; ".join(p for p in problems if p) + " (filing to it is refused)")
    if pin is None:
        raise Problem(
            WARN,
            "review keys are not pinned, so a key replaced in the database would be used: run "
            "`reporting init --recovery-key-file F` once",
        )
    unheld = [name for name in names if holders.get(name, 0) == 0]
    if unheld:
        raise Problem(
            WARN,
            f"no reviewer holds the key of {', '.join(unheld)} (only the recovery key opens "
            "it): grant one (`reporting user grant`)",
        )
    return ", ".join(f"{name} ({holders[name]} reviewer(s))" for name in names)


def _releases(settings: Mapping[str, Any], now: datetime) -> str:
    policy = builder.ReleasePolicy(
        threshold=int(settings["RELEASE_THRESHOLD"]),
        lag_days=int(settings["RELEASE_LAG_DAYS"]),
        timezone=str(settings["TIMEZONE"]),
    )
    with database.connection_context():
        due = builder.due_months(now, policy)
        latest = builder.released_through()
    if due:
        months = ", ".join(due[:3]) + (" …" if len(due) > 3 else "")
        raise Problem(
            WARN, f"{len(due)} month(s) due but not released ({months}): run `reporting release`"
        )
    return f"released through {latest}" if latest else "nothing due yet"


def _audit(settings: Mapping[str, Any]) -> str:
    key = audit.key_from_secret(str(settings.get("SECRET_KEY") or ""))
    older = tuple(
        audit.key_from_secret(secret)
        for secret in settings.get("SECRET_KEY_FALLBACKS") or ()
        if secret
    )
    with database.connection_context():
        result = audit.verify(key, older_keys=older)
    if not result.ok:
        where = "the head row" if result.bad_seq == audit.HEAD_SEQ else f"entry {result.bad_seq}"
        raise Problem(FAIL, f"verification failed at {where}: {result.reason}")
    return f"verified, {result.count} entries"


def exit_status(findings: list[Finding]) -> int:
    return 1 if any(f.status == FAIL for f in findings) else 0
