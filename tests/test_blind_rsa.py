"""RFC 9474 blind signatures: the RFC's test vector step by step, then the protocol's
properties with fresh keys (a signature verifies only on its own message and key, and the
signer's view of an exchange is independent of the token it signed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from reporting.privacy import blind_rsa

VECTOR = json.loads((Path(__file__).parent / "vectors" / "rfc9474.json").read_text())


def _h(name: str) -> bytes:
    return bytes.fromhex(VECTOR[name])


def _vector_key() -> rsa.RSAPrivateKey:
    p, q = int(VECTOR["p"], 16), int(VECTOR["q"], 16)
    n, e, d = int(VECTOR["n"], 16), int(VECTOR["e"], 16), int(VECTOR["d"], 16)
    assert p * q == n
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(e, n),
    )
    return numbers.private_key()


def test_the_rfc_test_vector_step_by_step():
    key = _vector_key()
    public = key.public_key()
    prepared = blind_rsa.prepare(_h("msg"), prefix=_h("msg_prefix"))
    assert prepared == _h("prepared_msg")
    n = int(VECTOR["n"], 16)
    r = pow(int(VECTOR["inv"], 16), -1, n)
    blinded = blind_rsa.blind(public, prepared, salt=_h("salt"), r=r)
    assert blinded.blinded == _h("blinded_msg")
    assert blinded.inv == int(VECTOR["inv"], 16)
    blind_sig = blind_rsa.blind_sign(key, blinded.blinded)
    assert blind_sig == _h("blind_sig")
    assert blind_rsa.finalize(public, blinded, blind_sig) == _h("sig")
    assert blind_rsa.verify(public, prepared, _h("sig"))


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return blind_rsa.generate_key()


def test_a_token_signed_blind_verifies_and_only_on_its_own_message(key):
    public = key.public_key()
    prepared = blind_rsa.prepare(b"token")
    blinded = blind_rsa.blind(public, prepared)
    signature = blind_rsa.finalize(public, blinded, blind_rsa.blind_sign(key, blinded.blinded))
    assert blind_rsa.verify(public, prepared, signature)
    assert not blind_rsa.verify(public, blind_rsa.prepare(b"token"), signature)  # new prefix
    other = blind_rsa.generate_key().public_key()
    assert not blind_rsa.verify(other, prepared, signature)
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    assert not blind_rsa.verify(public, prepared, forged)


def test_the_signer_sees_a_fresh_uniform_value_each_time(key):
    """Blinding the same token twice gives unrelated values, so what the server holds from
    an exchange cannot be matched to the token shown later."""
    public = key.public_key()
    prepared = blind_rsa.prepare(b"the same token")
    first, second = blind_rsa.blind(public, prepared), blind_rsa.blind(public, prepared)
    assert first.blinded != second.blinded
    for b in (first, second):
        sig = blind_rsa.finalize(public, b, blind_rsa.blind_sign(key, b.blinded))
        assert blind_rsa.verify(public, prepared, sig)


def test_bad_input_is_refused_with_a_named_error(key):
    public = key.public_key()
    with pytest.raises(blind_rsa.BlindSignatureError):
        blind_rsa.blind_sign(key, b"\x01" * 10)
    with pytest.raises(blind_rsa.BlindSignatureError):
        blind_rsa.blind_sign(key, b"\xff" * blind_rsa.modulus_len(public))
    blinded = blind_rsa.blind(public, blind_rsa.prepare(b"t"))
    with pytest.raises(blind_rsa.BlindSignatureError):
        blind_rsa.finalize(public, blinded, b"\x00" * blind_rsa.modulus_len(public))
    with pytest.raises(blind_rsa.BlindSignatureError):
        blind_rsa.prepare(b"t", prefix=b"short")
