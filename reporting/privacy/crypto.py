"""Sealing text to a review key pair, and wrapping private keys. Imports nothing of the package.

Every item (narrative, later notes and messages) gets a fresh AES-256-GCM data key. The data
key is wrapped to the review group's X25519 public key with a key pair used once and HKDF,
so the server, which holds only public keys, can seal but never open. The caller's
associated data (the report id and the field) is bound to both layers: a sealed blob moved
to another report or field does not open.

Envelope, version 1::

    0x01 | sender public key (32) | wrap nonce (12) | wrapped data key (48)
         | data nonce (12) | ciphertext with tag
"""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSION = 1
_KEY = 32
_NONCE = 12
_WRAPPED = _KEY + 16
_HEADER = 1 + 32 + _NONCE + _WRAPPED + _NONCE
Private = bytes | None  # an X25519 private key's 32 raw bytes, where one is optional


def random_bytes(count: int) -> bytes:
    """Random bytes for keys, nonces, ids and receipts: OpenSSL's generator.

    It is the generator `cryptography` draws every key here from (seeded from the kernel,
    reseeded after fork), and it runs without releasing the interpreter lock, which
    ``os.urandom`` does around each getrandom(): under load each release handed the lock to
    another thread and queued this one behind it, a filing drew five times, and filing
    throughput rose 7 % once it stopped (docs/performance.md).
    """
    return ssl.RAND_bytes(count)


class CryptoError(Exception):
    """A sealed item or a wrapped key could not be opened: wrong key, wrong context or tampering."""


@dataclass(frozen=True)
class KeyPair:
    private: bytes
    public: bytes


def generate_keypair() -> KeyPair:
    private = X25519PrivateKey.generate()
    return KeyPair(private.private_bytes_raw(), _raw_public(private))


def public_key_of(private: bytes) -> bytes:
    return _raw_public(X25519PrivateKey.from_private_bytes(private))


def _raw_public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _kek(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=_KEY,
        salt=ephemeral_public + recipient_public,
        info=b"reporting/seal/v1",
    ).derive(shared)


def seal(plaintext: bytes, recipient_public: bytes, associated_data: bytes) -> bytes:
    """Encrypt under a fresh data key wrapped to ``recipient_public``."""
    return seal_returning_key(plaintext, recipient_public, associated_data)[0]


def wrap_data_key(
    data_key: bytes, recipient_public: bytes, associated_data: bytes, sender: Private = None
) -> bytes:
    """The envelope's key part: version, sender's public key, wrap nonce, wrapped key. The
    sender is a fresh ephemeral key pair unless ``sender`` (private bytes) names one used
    for this envelope only (see `seal_returning_key`)."""
    ephemeral = (
        X25519PrivateKey.from_private_bytes(sender) if sender else X25519PrivateKey.generate()
    )
    ephemeral_public = _raw_public(ephemeral)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    kek = _kek(shared, ephemeral_public, recipient_public)
    wrap_nonce = random_bytes(_NONCE)
    wrapped = AESGCM(kek).encrypt(wrap_nonce, data_key, associated_data)
    return bytes([VERSION]) + ephemeral_public + wrap_nonce + wrapped


def unwrap_data_key(envelope: bytes, recipient_private: bytes, associated_data: bytes) -> bytes:
    if len(envelope) < _HEADER or envelope[0] != VERSION:
        raise CryptoError("not a sealed item of a known version")
    ephemeral_public = envelope[1:33]
    wrap_nonce = envelope[33 : 33 + _NONCE]
    wrapped = envelope[33 + _NONCE : 33 + _NONCE + _WRAPPED]
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    kek = _kek(shared, ephemeral_public, _raw_public(private))
    try:
        return AESGCM(kek).decrypt(wrap_nonce, wrapped, associated_data)
    except InvalidTag as exc:
        raise CryptoError("the data key does not open with this key and context") from exc


def open_sealed(envelope: bytes, recipient_private: bytes, associated_data: bytes) -> bytes:
    data_key = unwrap_data_key(envelope, recipient_private, associated_data)
    data_nonce = envelope[_HEADER - _NONCE : _HEADER]
    try:
        return AESGCM(data_key).decrypt(data_nonce, envelope[_HEADER:], associated_data)
    except InvalidTag as exc:
        raise CryptoError("the sealed item was altered or belongs elsewhere") from exc


def seal_returning_key(
    plaintext: bytes, recipient_public: bytes, associated_data: bytes, sender: Private = None
) -> tuple[bytes, bytes]:
    """Like `seal`, also returning the data key, to wrap it for a second reader. A key pair
    the caller needs anyway and uses once (``sender``) saves drawing the ephemeral one, a
    third of sealing's cost; `sender_public` reads its public half off the envelope."""
    data_key = random_bytes(_KEY)  # as AESGCM.generate_key(256), without releasing the lock
    data_nonce = random_bytes(_NONCE)
    ciphertext = AESGCM(data_key).encrypt(data_nonce, plaintext, associated_data)
    wrapped = wrap_data_key(data_key, recipient_public, associated_data, sender)
    return wrapped + data_nonce + ciphertext, data_key


def sender_public(envelope: bytes) -> bytes:
    """The public key the envelope's data key was wrapped with: ephemeral, or the sender's."""
    if len(envelope) < _HEADER or envelope[0] != VERSION:
        raise CryptoError("not a sealed item of a known version")
    return envelope[1:33]


def open_with_data_key(envelope: bytes, data_key: bytes, associated_data: bytes) -> bytes:
    """Open a sealed item with its data key (unwrapped some other way than the group key)."""
    if len(envelope) < _HEADER or envelope[0] != VERSION:
        raise CryptoError("not a sealed item of a known version")
    data_nonce = envelope[_HEADER - _NONCE : _HEADER]
    try:
        return AESGCM(data_key).decrypt(data_nonce, envelope[_HEADER:], associated_data)
    except InvalidTag as exc:
        raise CryptoError("the sealed item was altered or belongs elsewhere") from exc


def item_nonce(envelope: bytes) -> bytes:
    """A sealed item's data nonce: random, kept by `rewrap`, and gone when the item is."""
    if len(envelope) < _HEADER or envelope[0] != VERSION:
        raise CryptoError("not a sealed item of a known version")
    return envelope[_HEADER - _NONCE : _HEADER]


def rewrap(envelope: bytes, old_private: bytes, new_public: bytes, associated_data: bytes) -> bytes:
    """The same item with its data key wrapped to a new key pair (key rotation)."""
    data_key = unwrap_data_key(envelope, old_private, associated_data)
    return wrap_data_key(data_key, new_public, associated_data) + envelope[_HEADER - _NONCE :]


# Secret keys that wrap private keys: the offline recovery key, keys derived from
# reviewers' passwords, and a logged-in reviewer's per-session secret.


def new_secret_key() -> bytes:
    return random_bytes(_KEY)


def _derive_wrapping_key(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=_KEY, salt=None, info=purpose).derive(secret)


def wrap_private_key(private: bytes, wrapping_secret: bytes, context: bytes) -> bytes:
    nonce = random_bytes(_NONCE)
    key = _derive_wrapping_key(wrapping_secret, b"reporting/wrap-private/v1")
    return bytes([VERSION]) + nonce + AESGCM(key).encrypt(nonce, private, context)


def unwrap_private_key(wrapped: bytes, wrapping_secret: bytes, context: bytes) -> bytes:
    if len(wrapped) < 1 + _NONCE + 16 or wrapped[0] != VERSION:
        raise CryptoError("not a wrapped key of a known version")
    key = _derive_wrapping_key(wrapping_secret, b"reporting/wrap-private/v1")
    try:
        return AESGCM(key).decrypt(wrapped[1 : 1 + _NONCE], wrapped[1 + _NONCE :], context)
    except InvalidTag as exc:
        raise CryptoError("the key does not open with this secret") from exc


def encrypt_with_secret(plaintext: bytes, secret: bytes, context: bytes) -> bytes:
    """AES-GCM under a 32-byte secret held elsewhere (a session cookie, a receipt's key)."""
    nonce = random_bytes(_NONCE)
    return bytes([VERSION]) + nonce + AESGCM(secret).encrypt(nonce, plaintext, context)


def decrypt_with_secret(blob: bytes, secret: bytes, context: bytes) -> bytes:
    if len(blob) < 1 + _NONCE + 16 or blob[0] != VERSION or len(secret) != _KEY:
        raise CryptoError("not an encrypted item of a known version")
    try:
        return AESGCM(secret).decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], context)
    except InvalidTag as exc:
        raise CryptoError("the item does not open with this secret") from exc


def secret_from_text(text: str, salt: bytes, purpose: bytes) -> bytes:
    """A 32-byte key from a high-entropy code (a receipt); not for passwords."""
    return HKDF(algorithm=hashes.SHA256(), length=_KEY, salt=salt, info=purpose).derive(
        text.encode("utf-8")
    )


# The recovery key as text an administrator can print and keep offline.

_RECOVERY_HEADER = "reporting recovery key v1"


def format_recovery_key(secret: bytes) -> str:
    encoded = base64.b32encode(secret).decode("ascii").rstrip("=")
    groups = " ".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))
    return (
        f"# {_RECOVERY_HEADER}\n"
        "# Keep this offline (printed, in a safe). With it, every narrative can be read;\n"
        "# without it and without a reviewer's password, none can.\n"
        f"{groups}\n"
    )


def parse_recovery_key(text: str) -> bytes:
    body = "".join(
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )
    cleaned = "".join(body.split()).upper()
    try:
        secret = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except ValueError as exc:
        raise CryptoError("the recovery key file is not a recovery key") from exc
    if len(secret) != _KEY:
        raise CryptoError("the recovery key file is not a recovery key")
    return secret
