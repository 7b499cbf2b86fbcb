"""Setting up an instance folder: secrets, the example taxonomy, the schema and review keys.

`reporting init` calls `initialise`; running it again upgrades the schema and changes
nothing else, so it is safe in deployment scripts. Given the recovery key
(`--recovery-key-file`), it also signs review keys not yet signed and pins the verification
key in secrets.json (`REVIEW_KEY_PIN`, pinning.py): the upgrade of an older instance.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peewee import Database

from reporting import schema
from reporting.db import bind
from reporting.models import ReviewGroup
from reporting.ops.example_taxonomy import EXAMPLE_TAXONOMY
from reporting.privacy import crypto, keys, pinning

SECRETS_FILE = "secrets.json"
TAXONOMY_FILE = "taxonomy.toml"
DEFAULT_RECOVERY_KEY_PATH = "reporting-recovery-key.txt"


class InitError(Exception):
    """`reporting init` cannot proceed safely; nothing was changed."""


@dataclass(frozen=True)
class InitResult:
    created: tuple[str, ...]
    schema_before: int
    schema_after: int
    recovery_key_path: str | None
    notices: tuple[str, ...] = ()


def load_secrets(instance_path: str) -> dict[str, Any]:
    path = Path(instance_path, SECRETS_FILE)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _add_secret(instance: Path, name: str, value: Any) -> None:
    """Add one entry to secrets.json, replacing the file atomically, still owner-only."""
    path = instance / SECRETS_FILE
    stored = load_secrets(str(instance))
    stored[name] = value
    temporary = path.with_name(f".{SECRETS_FILE}.{secrets.token_hex(4)}")
    _write_private(temporary, json.dumps(stored, indent=2) + "\n")
    os.replace(temporary, path)


def _sign_and_pin(instance: Path, recovery_secret: bytes) -> list[str]:
    """Sign the review keys with the recovery key, and pin its verification key once."""
    pin = pinning.pin_of(recovery_secret)
    pinned = pinning.parse_pin(load_secrets(str(instance)).get(pinning.PIN_SETTING))
    if pinned is not None and pinned != pin:
        raise InitError("this recovery key is not the one the review keys are pinned to")
    try:
        signed = pinning.sign_groups(recovery_secret)
    except (keys.WrongSecret, pinning.UnverifiedGroupKey) as exc:
        raise InitError(str(exc)) from exc
    if pinned is None:
        _add_secret(instance, pinning.PIN_SETTING, pin.hex())
    return signed


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _write_private(path: Path, text: str) -> None:
    """Create a file readable by its owner only; refuse to replace one that exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _needs_recovery_key(db: Database) -> bool:
    """Whether this database has no review key yet, so init will write a recovery key."""
    bind(db)
    with db.connection_context():
        if not db.table_exists(ReviewGroup._meta.table_name):
            return True
        return not ReviewGroup.select().exists()


def initialise(
    instance_path: str,
    db: Database,
    recovery_key_out: str,
    group_names: tuple[str, ...] | list[str] = ("default",),
    recovery_secret: bytes | None = None,
) -> InitResult:
    """Create what is missing; ``group_names`` are the configured review groups.

    The recovery key is written once, with the first groups; groups added to the config
    later are sealed to its public half, so no secret is needed to add one (but signing
    its key needs ``recovery_secret``, the recovery key, like pinning an older instance).
    """
    instance = Path(instance_path)
    recovery = Path(recovery_key_out)
    if _inside(recovery, instance):
        raise InitError(
            f"refusing to write the recovery key inside the instance folder ({instance}): "
            "a copy of that folder must not be enough to read reports"
        )
    if recovery.exists() and _needs_recovery_key(db):
        # Checked before anything is made, so a refusal leaves no half-made instance.
        raise InitError(
            f"{recovery} already exists (another instance's recovery key?); move it away or "
            "pass another --recovery-key-out so no recovery key is overwritten. No secret, key or "
            "table was created."
        )
    created: list[str] = []
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    instance.chmod(0o700)  # a checkout's instance/ exists already, 0755: only we read it

    secrets_path = instance / SECRETS_FILE
    if not secrets_path.exists():
        _write_private(
            secrets_path,
            json.dumps(
                {
                    "SECRET_KEY": secrets.token_hex(32),
                    "RECEIPT_PEPPER": secrets.token_hex(32),
                },
                indent=2,
            )
            + "\n",
        )
        created.append(str(secrets_path))

    taxonomy_path = instance / TAXONOMY_FILE
    if not taxonomy_path.exists():
        taxonomy_path.write_text(EXAMPLE_TAXONOMY, encoding="utf-8")
        created.append(str(taxonomy_path))

    bind(db)
    before, after = schema.upgrade(db)

    written = None
    with db.connection_context():
        existing = list(ReviewGroup.select())
        missing = [name for name in group_names if name not in {g.name for g in existing}]
        if missing and not existing:
            if recovery.exists():
                raise InitError(
                    f"{recovery} already exists; move it away or pass another "
                    "--recovery-key-out so no recovery key is overwritten"
                )
            recovery.parent.mkdir(parents=True, exist_ok=True)
            secret = crypto.new_secret_key()
            _write_private(recovery, crypto.format_recovery_key(secret))
            try:
                with db.atomic():
                    for name in missing:
                        keys.create_group(name, keys.recovery_public_key(secret))
            except Exception:
                recovery.unlink(missing_ok=True)
                raise
            written = str(recovery)
            recovery_secret = secret
        elif missing:
            recovery_public = next(
                (g.recovery_public_key for g in existing if g.recovery_public_key), None
            )
            if recovery_public is None:
                raise InitError(
                    "this instance's review keys predate added groups: run `reporting "
                    "rotate-key --recovery-key-file F` once, then `reporting init` again"
                )
            with db.atomic():
                made = [keys.create_group(name, recovery_public) for name in missing]
            stored = load_secrets(str(instance))
            if stored.get(pinning.PIN_SETTING) and recovery_secret is None:
                # Unsigned without the recovery key: pin these exact keys here instead.
                added = dict(stored.get(pinning.ADDED_SETTING) or {})
                added.update({g.name: pinning.fingerprint(g.name, 1, g.public_key) for g in made})
                _add_secret(instance, pinning.ADDED_SETTING, added)
        created.extend(f"review key pair {name!r}" for name in missing)
        notices = []
        if recovery_secret is not None:
            signed = _sign_and_pin(instance, recovery_secret)
            notices += [f"signed the public key of review group {name!r}" for name in signed]
        else:
            notices += pinning.unsigned_notices(load_secrets(str(instance)))
    return InitResult(tuple(created), before, after, written, tuple(notices))
