"""Review groups' public keys, signed, so a database writer cannot swap one unnoticed.

Filing seals to whatever public key the `review_group` row holds, so whoever can write that
row could put in a key of their own and read every later filing. So each group's public key
is signed, over (group, generation, key), by an Ed25519 key derived from the recovery key,
and the signing key's public half is pinned in the instance folder (`REVIEW_KEY_PIN` in
secrets.json, written by `reporting init`), outside the database. Filing, notes and
messages seal only to a key whose signature verifies under the pin (`verified_public_key`),
and refuse otherwise (`UnverifiedGroupKey`): nothing is stored.

- An instance with no pin (made before this) files as before; `reporting check` warns
  until `reporting init --recovery-key-file F` signs its keys and writes the pin. Once a
  pin exists, an unsigned key is refused like a forged one.
- Signing needs the recovery key, but a rotation may be opened by a member's password: so
  whenever the recovery key is at hand, a spare key pair for the next generation is made
  and signed, its private key sealed to the current public key (`make_spare`). A rotation
  by password switches to it; the next one then needs the recovery key once more.
- A group added to a pinned instance without the recovery key (`reporting init`) cannot be
  signed: init pins that key's fingerprint beside the pin instead (`ADDED_SETTING`), which
  filing accepts for that exact key until a rotation or `init --recovery-key-file` signs one.
- Before signing a stored key, the recovery key opens the group's private key and the
  public key must match it: a key already swapped is never signed.

No Flask. The web app registers its pin for its database at start-up (`configure`).
"""

from __future__ import annotations

import functools
import hashlib
import weakref
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from reporting.db import database
from reporting.models import ReviewGroup
from reporting.privacy import crypto, keys

PIN_SETTING = "REVIEW_KEY_PIN"
ADDED_SETTING = "REVIEW_KEY_ADDED"


class UnverifiedGroupKey(Exception):
    """A review group's public key fails its signature check: nothing may be sealed to it."""


# Signatures -------------------------------------------------------------------------------


def signing_seed(recovery_secret: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"reporting/group-key-signing/v1"
    ).derive(recovery_secret)


def pin_of(recovery_secret: bytes) -> bytes:
    """The public verification key that the recovery key signs with."""
    public = Ed25519PrivateKey.from_private_bytes(signing_seed(recovery_secret)).public_key()
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_message(group: str, gen: int, public: bytes) -> bytes:
    return b"\x00".join(
        [b"reporting/review-group-key/v1", group.encode(), str(gen).encode(), bytes(public)]
    )


def sign_key(seed: bytes, group: str, gen: int, public: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(key_message(group, gen, public))


def signature_valid(pin: bytes, group: str, gen: int, public: bytes, signature) -> bool:
    if not signature or not public:
        return False
    return _verifies(bytes(pin), group, gen, bytes(public), bytes(signature))


@functools.lru_cache(maxsize=256)
def _verifies(pin: bytes, group: str, gen: int, public: bytes, signature: bytes) -> bool:
    """Ed25519 verification, remembered by its exact inputs: every filing checks its
    group's key, and a pure function of the bytes need not run twice (a changed key or
    signature is new input and is verified afresh)."""
    try:
        Ed25519PublicKey.from_public_bytes(pin).verify(
            bytes(signature), key_message(group, gen, public)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint(group: str, gen: int, public: bytes) -> str:
    return hashlib.sha256(key_message(group, gen, public)).hexdigest()


def parse_pin(value: str | bytes | None) -> bytes | None:
    if not value:
        return None
    pin = value if isinstance(value, bytes) else bytes.fromhex(str(value))
    if len(pin) != 32:
        raise ValueError(f"{PIN_SETTING} is not a 32-byte key in hex")
    return pin


# The pin of the bound database --------------------------------------------------------------

_pins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def configure(db, pin: str | bytes | None, added: Mapping[str, str] | None = None) -> None:
    """Pin the verification key (hex from secrets.json) and added keys' fingerprints for ``db``."""
    _pins[db] = parse_pin(pin)
    _added[db] = dict(added or {})


_added: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def current_pin() -> bytes | None:
    target = database.obj
    return None if target is None else _pins.get(target)


def current_added() -> dict[str, str]:
    target = database.obj
    return {} if target is None else _added.get(target, {})


_UNSET = object()


def key_problem(
    group: ReviewGroup, pin: bytes | None, added: Mapping[str, str] | None = None
) -> str | None:
    """Why the group's current public key must not be sealed to, or None if it may be."""
    if pin is None:
        return None
    if (added or {}).get(group.name) == fingerprint(group.name, group.key_gen, group.public_key):
        return None
    if group.key_signature is None:
        return (
            f"review group {group.name!r}: its public key (generation {group.key_gen}) is not "
            "signed: run `reporting init --recovery-key-file F`"
        )
    if not signature_valid(pin, group.name, group.key_gen, group.public_key, group.key_signature):
        return (
            f"review group {group.name!r}: its public key (generation {group.key_gen}) does not "
            "match its signature under the pinned key: it was changed in the database; rotate "
            "it with `reporting rotate-key --recovery-key-file F`"
        )
    return None


def verified_public_key(group: ReviewGroup, pin=_UNSET, added=None) -> bytes:
    """The group's public key to seal to, once its signature verifies under the pin."""
    if pin is _UNSET:
        pin, added = current_pin(), current_added()
    problem = key_problem(group, pin, added)
    if problem:
        raise UnverifiedGroupKey(problem)
    return bytes(group.public_key)


def unsigned_notices(stored: Mapping) -> list[str]:
    """What `reporting init` tells the operator about keys not pinned or not signed."""
    pin = parse_pin(stored.get(PIN_SETTING))
    if pin is None:
        return [
            "review keys are not pinned: run `reporting init --recovery-key-file F` once so "
            "a key changed in the database is refused"
        ]
    added = stored.get(ADDED_SETTING)
    unsigned = [g.name for g in ReviewGroup.select() if key_problem(g, pin, added)]
    return [
        f"review group {name!r}: key not signed, nothing can be filed to it: run "
        "`reporting init --recovery-key-file F`"
        for name in unsigned
    ]


# Signing with the recovery key ------------------------------------------------------------


def spare_context(group: str, gen: int) -> bytes:
    return b"review-group:" + group.encode() + b":spare:gen:" + str(gen).encode()


def make_spare(group: ReviewGroup, seed: bytes) -> None:
    """A signed key pair for the next generation, its private key sealed to the current key."""
    pair = crypto.generate_keypair()
    gen = group.key_gen + 1
    ReviewGroup.update(
        spare_public_key=pair.public,
        spare_signature=sign_key(seed, group.name, gen, pair.public),
        spare_sealed_private=crypto.seal(
            pair.private, bytes(group.public_key), spare_context(group.name, gen)
        ),
    ).where((ReviewGroup.name == group.name) & (ReviewGroup.key_gen == group.key_gen)).execute()


def sign_groups(recovery_secret: bytes) -> list[str]:
    """Sign every group's current (and prepared) key not yet validly signed; give each a spare.

    Each key is first checked against its private key, opened with the recovery key, so a
    key already replaced in the database is refused, never signed. Returns the groups signed.
    """
    seed, pin = signing_seed(recovery_secret), pin_of(recovery_secret)
    signed = []
    for group in ReviewGroup.select().order_by(ReviewGroup.name):
        private = keys.open_with_recovery(group, recovery_secret)
        if crypto.public_key_of(private) != bytes(group.public_key):
            raise UnverifiedGroupKey(
                f"review group {group.name!r}: the stored public key is not its key pair's: it "
                "was changed in the database; rotate it with `reporting rotate-key "
                "--recovery-key-file F`"
            )
        changes = {}
        if key_problem(group, pin) is not None:
            changes["key_signature"] = sign_key(seed, group.name, group.key_gen, group.public_key)
        if group.next_public_key is not None and not signature_valid(
            pin, group.name, group.key_gen + 1, group.next_public_key, group.next_key_signature
        ):
            nxt = keys.open_with_recovery(group, recovery_secret, next_gen=True)
            if crypto.public_key_of(nxt) != bytes(group.next_public_key):
                raise UnverifiedGroupKey(f"review group {group.name!r}: the next key was changed")
            changes["next_key_signature"] = sign_key(
                seed, group.name, group.key_gen + 1, group.next_public_key
            )
        if changes:
            ReviewGroup.update(**changes).where(ReviewGroup.name == group.name).execute()
            signed.append(group.name)
        if group.next_public_key is None and group.spare_public_key is None:
            make_spare(group, seed)
    return signed


def next_pair(
    group: ReviewGroup, current_private: bytes, recovery_secret: bytes | None, pin: bytes | None
) -> tuple[crypto.KeyPair, bytes | None]:
    """The key pair a rotation moves to, with its signature (None only on an unpinned instance).

    With the recovery key, a fresh pair signed now; by a member's password, the pre-signed
    spare, opened with the current private key and checked against the pin.
    """
    gen = group.key_gen + 1
    if recovery_secret is not None:
        if pin is not None and pin_of(recovery_secret) != pin:
            raise UnverifiedGroupKey("this recovery key is not the one the keys are pinned to")
        pair = crypto.generate_keypair()
        return pair, sign_key(signing_seed(recovery_secret), group.name, gen, pair.public)
    if group.spare_public_key is not None:
        try:
            private = crypto.open_sealed(
                group.spare_sealed_private, current_private, spare_context(group.name, gen)
            )
        except crypto.CryptoError as exc:
            raise UnverifiedGroupKey(f"group {group.name!r}: the spare key is damaged") from exc
        public = bytes(group.spare_public_key)
        genuine = crypto.public_key_of(private) == public
        if not genuine or (
            pin is not None
            and not signature_valid(pin, group.name, gen, public, group.spare_signature)
        ):
            raise UnverifiedGroupKey(
                f"review group {group.name!r}: the spare key pair does not verify under the "
                "pinned key: rotate with `--recovery-key-file`"
            )
        return crypto.KeyPair(private, public), group.spare_signature
    if pin is not None:
        raise UnverifiedGroupKey(
            f"review group {group.name!r}: the new key must be signed with the recovery key and "
            "no pre-signed spare is left: rotate with `--recovery-key-file` this time"
        )
    return crypto.generate_keypair(), None
