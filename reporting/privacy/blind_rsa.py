"""RSA blind signatures (RFC 9474, RSABSSA-SHA384-PSS-Randomized) for one-response tokens.

A pulse respondent proves eligibility once (a one-time code) and gets back a signature on a
token the server never saw: the respondent *blinds* the token's encoded message with a
random factor before sending it, the server signs the blinded value, and the respondent
removes the factor. At submission the server checks an ordinary RSASSA-PSS signature on the
token, which tells it the token was issued by this wave's key, and nothing about which
exchange issued it (RFC 9474 section 7.3, "blindness").

Built on ``cryptography``'s RSA keys: verification is its RSASSA-PSS; the raw operations the
protocol needs (RSAVP1, RSASP1) and EMSA-PSS encoding with a chosen salt (so the RFC's test
vectors can be checked) are written out here, as no registry package ships RFC 9474 for
Python. The private operation uses the CRT with GMP's constant-time exponentiation
(``gmpy2.powmod_sec``: 0.9 ms per half here, against 5.3 ms for Python's ``pow``) and also
blinds its own input with a fresh factor, so its timing depends neither on the key nor on
the value signed.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass

import gmpy2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HASH_LEN = 48  # SHA-384
SALT_LEN = 48
PREFIX_LEN = 32  # the "Randomized" variant's message prefix
KEY_BITS = 2048  # RFC 9474 section 7.1: at least 2048


class BlindSignatureError(Exception):
    """A blinded message, signature or key does not satisfy the protocol's checks."""


@dataclass(frozen=True)
class Blinded:
    """What the respondent keeps (``inv``, the prepared message) and sends (``blinded``)."""

    blinded: bytes
    inv: int
    prepared: bytes


def generate_key(bits: int = KEY_BITS) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def modulus_len(public: rsa.RSAPublicKey) -> int:
    return (public.key_size + 7) // 8


def prepare(msg: bytes, prefix: bytes | None = None) -> bytes:
    """The Randomized variant: a fresh 32-byte prefix before the message (section 4.1)."""
    prefix = secrets.token_bytes(PREFIX_LEN) if prefix is None else prefix
    if len(prefix) != PREFIX_LEN:
        raise BlindSignatureError("the message prefix must be 32 bytes")
    return prefix + msg


def _mgf1(seed: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.sha384(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:length])


def emsa_pss_encode(msg: bytes, em_bits: int, salt: bytes) -> bytes:
    """EMSA-PSS-ENCODE (RFC 8017 section 9.1.1) with SHA-384 and MGF1-SHA-384."""
    em_len = (em_bits + 7) // 8
    if em_len < HASH_LEN + len(salt) + 2:
        raise BlindSignatureError("the key is too small for this encoding")
    m_hash = hashlib.sha384(msg).digest()
    h = hashlib.sha384(b"\x00" * 8 + m_hash + salt).digest()
    db = b"\x00" * (em_len - len(salt) - HASH_LEN - 2) + b"\x01" + salt
    masked = bytearray(a ^ b for a, b in zip(db, _mgf1(h, em_len - HASH_LEN - 1), strict=True))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    return bytes(masked) + h + b"\xbc"


def blind(
    public: rsa.RSAPublicKey, prepared: bytes, *, salt: bytes | None = None, r: int | None = None
) -> Blinded:
    """Blind(pk, msg) of section 4.2; ``salt`` and ``r`` are drawn fresh unless given (tests)."""
    numbers = public.public_numbers()
    n, e = numbers.n, numbers.e
    salt = secrets.token_bytes(SALT_LEN) if salt is None else salt
    encoded = emsa_pss_encode(prepared, public.key_size - 1, salt)
    m = int.from_bytes(encoded, "big")
    if math.gcd(m, n) != 1:
        raise BlindSignatureError("invalid input")
    while r is None:
        candidate = secrets.randbelow(n - 1) + 1
        if math.gcd(candidate, n) == 1:
            r = candidate
    inv = pow(r, -1, n)
    z = (m * pow(r, e, n)) % n
    return Blinded(z.to_bytes(modulus_len(public), "big"), inv, prepared)


def blind_sign(private: rsa.RSAPrivateKey, blinded: bytes) -> bytes:
    """BlindSign(sk, blinded_msg) of section 4.3, checking the result before it leaves."""
    numbers = private.private_numbers()
    pub = numbers.public_numbers
    n, e = pub.n, pub.e
    k = modulus_len(private.public_key())
    if len(blinded) != k:
        raise BlindSignatureError("the blinded message has the wrong length")
    m = int.from_bytes(blinded, "big")
    if m >= n:
        raise BlindSignatureError("the blinded message is out of range")
    s = _private_op(numbers, m)
    if pow(s, e, n) != m:  # a fault in the private operation must not leak the key
        raise BlindSignatureError("signing failed its own check")
    return s.to_bytes(k, "big")


def _private_op(numbers: rsa.RSAPrivateNumbers, m: int) -> int:
    """RSASP1 by the CRT on a base blinded with a fresh factor (timing independent of m)."""
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    while True:
        u = secrets.randbelow(n - 2) + 2
        if math.gcd(u, n) == 1:
            break
    c = (m * pow(u, e, n)) % n
    s1 = int(gmpy2.powmod_sec(c % numbers.p, numbers.dmp1, numbers.p))
    s2 = int(gmpy2.powmod_sec(c % numbers.q, numbers.dmq1, numbers.q))
    h = (numbers.iqmp * (s1 - s2)) % numbers.p
    s = s2 + h * numbers.q
    return (s * pow(u, -1, n)) % n


def finalize(public: rsa.RSAPublicKey, blinded: Blinded, blind_sig: bytes) -> bytes:
    """Finalize(pk, msg, blind_sig, inv) of section 4.4: the signature on the prepared message."""
    n = public.public_numbers().n
    k = modulus_len(public)
    if len(blind_sig) != k:
        raise BlindSignatureError("the blind signature has the wrong length")
    z = int.from_bytes(blind_sig, "big")
    signature = ((z * blinded.inv) % n).to_bytes(k, "big")
    if not verify(public, blinded.prepared, signature):
        raise BlindSignatureError("the signature does not verify")
    return signature


def verify(public: rsa.RSAPublicKey, prepared: bytes, signature: bytes) -> bool:
    """RSASSA-PSS-VERIFY with SHA-384, MGF1-SHA-384 and a 48-byte salt (section 4.5)."""
    try:
        public.verify(
            signature,
            prepared,
            padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_LEN),
            hashes.SHA384(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True
