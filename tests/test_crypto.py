"""Sealing narratives to the review key pair, and wrapping its private key."""

import pytest

from reporting.privacy import crypto


def test_sealed_text_opens_with_the_private_key_and_context():
    pair = crypto.generate_keypair()
    sealed = crypto.seal(b"the registrar left the ward", pair.public, b"report:1:narrative")
    assert b"registrar" not in sealed
    assert crypto.open_sealed(sealed, pair.private, b"report:1:narrative") == (
        b"the registrar left the ward"
    )


def test_each_item_gets_a_fresh_key_and_nonce():
    pair = crypto.generate_keypair()
    first = crypto.seal(b"same text", pair.public, b"ctx")
    second = crypto.seal(b"same text", pair.public, b"ctx")
    assert first != second
    assert first[1:33] != second[1:33]  # ephemeral public keys differ


def test_a_given_sender_key_pair_wraps_in_place_of_an_ephemeral_one():
    pair, sender = crypto.generate_keypair(), crypto.generate_keypair()
    sealed, data_key = crypto.seal_returning_key(b"text", pair.public, b"ctx", sender.private)
    assert crypto.sender_public(sealed) == sender.public == sealed[1:33]
    assert crypto.open_sealed(sealed, pair.private, b"ctx") == b"text"
    assert crypto.open_with_data_key(sealed, data_key, b"ctx") == b"text"
    with pytest.raises(crypto.CryptoError):  # the sender is not a recipient
        crypto.open_sealed(sealed, sender.private, b"ctx")
    with pytest.raises(crypto.CryptoError):
        crypto.sender_public(b"\x02" + sealed[1:])


def test_a_sealed_item_moved_to_another_report_does_not_open():
    pair = crypto.generate_keypair()
    sealed = crypto.seal(b"text", pair.public, b"report:a:narrative")
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(sealed, pair.private, b"report:b:narrative")


def test_another_key_pair_cannot_open():
    pair, other = crypto.generate_keypair(), crypto.generate_keypair()
    sealed = crypto.seal(b"text", pair.public, b"ctx")
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(sealed, other.private, b"ctx")


@pytest.mark.parametrize("position", [0, 5, 40, 90, -1])
def test_tampering_anywhere_is_detected(position):
    pair = crypto.generate_keypair()
    sealed = bytearray(crypto.seal(b"some narrative text", pair.public, b"ctx"))
    sealed[position] ^= 0x01
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(bytes(sealed), pair.private, b"ctx")


def test_rewrap_moves_an_item_to_a_new_key_pair():
    old, new = crypto.generate_keypair(), crypto.generate_keypair()
    sealed = crypto.seal(b"text", old.public, b"ctx")
    moved = crypto.rewrap(sealed, old.private, new.public, b"ctx")
    assert crypto.open_sealed(moved, new.private, b"ctx") == b"text"
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(moved, old.private, b"ctx")


def test_private_key_wrapped_under_recovery_key_round_trips_through_its_text_form():
    pair = crypto.generate_keypair()
    secret = crypto.new_secret_key()
    wrapped = crypto.wrap_private_key(pair.private, secret, b"group")
    assert pair.private not in wrapped
    text = crypto.format_recovery_key(secret)
    assert crypto.unwrap_private_key(wrapped, crypto.parse_recovery_key(text), b"group") == (
        pair.private
    )
    with pytest.raises(crypto.CryptoError):
        crypto.unwrap_private_key(wrapped, crypto.new_secret_key(), b"group")


def test_recovery_key_text_rejects_garbage():
    with pytest.raises(crypto.CryptoError):
        crypto.parse_recovery_key("# nothing here\nnot base32 !!")
    with pytest.raises(crypto.CryptoError):
        crypto.parse_recovery_key("MFRGG===")


def test_random_bytes_differ_in_every_forked_worker():
    """gunicorn forks its workers from one master: OpenSSL's generator must not hand two
    of them the same bytes (it reseeds after fork), or nonces and receipts would repeat."""
    import os

    from reporting.privacy.crypto import random_bytes

    random_bytes(32)  # the master's generator is seeded and in use before the fork
    draws = [random_bytes(32)]
    for _ in range(4):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: one draw, then leave at once
            os.write(write_end, random_bytes(32))
            os._exit(0)
        os.close(write_end)
        draws.append(os.read(read_end, 32))
        os.close(read_end)
        os.waitpid(pid, 0)
    draws.append(random_bytes(32))
    assert all(len(d) == 32 for d in draws)
    assert len(set(draws)) == len(draws)
