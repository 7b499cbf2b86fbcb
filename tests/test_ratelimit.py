"""Flood control keyed by a rotating HMAC of the address: limits hold, addresses never kept."""

import secrets

import pytest
import redis
from conftest import csrf_token

from reporting.web.ratelimit import RotatingAddressKey

REDIS_URL = "redis://127.0.0.1:6379/0"
BODY = {"kind": "near-miss", "category": "fall"}


def file_from(client, address):
    return client.post("/api/v1/reports", json=BODY, environ_base={"REMOTE_ADDR": address})


def test_key_is_an_hmac_that_changes_with_the_rotation_secret():
    keyer = RotatingAddressKey(rotation_seconds=3600)
    key = keyer.key_for("127.77.88.99")
    assert key == keyer.key_for("127.77.88.99")
    assert key != keyer.key_for("127.77.88.98")
    # 32 hex digits, not the address: a dotted quad never appears in a hex digest.
    assert len(key) == 32 and all(ch in "0123456789abcdef" for ch in key)
    assert "127.77" not in key
    assert RotatingAddressKey(3600).key_for("127.77.88.99") != key  # a new secret per process


def test_limit_holds_across_two_instances_sharing_redis(make_app):
    settings = {"RATELIMIT_STORAGE": REDIS_URL, "RATELIMIT_FILING": "4 per minute"}
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    # Redis outlives the test: a fresh address keeps earlier runs' counters out of it.
    octets = secrets.token_bytes(2)
    address = f"127.66.{octets[0]}.{octets[1]}"
    other = f"127.65.{octets[0]}.{octets[1]}"
    statuses = [file_from(c, address).status_code for c in (first, second, first, second)]
    assert statuses == [201, 201, 201, 201]
    assert file_from(first, address).status_code == 429
    assert file_from(second, address).status_code == 429
    assert file_from(second, other).status_code == 201

    store = redis.Redis.from_url(REDIS_URL)
    names = list(store.scan_iter("*"))
    assert any(b"ratelimit-secret" in n for n in names) and any(b"LIMITS" in n for n in names)
    for name in names:
        assert address.encode() not in name
        kind = store.type(name)
        values = (
            [store.get(name)]
            if kind == b"string"
            else store.zrange(name, 0, -1)
            if kind == b"zset"
            else store.lrange(name, 0, -1)
            if kind == b"list"
            else list(store.hgetall(name).items())
        )
        assert all(address.encode() not in repr(v).encode() for v in values)


@pytest.mark.parametrize("hops", [0, 1])
def test_forwarded_for_is_trusted_only_with_configured_proxy_hops(make_app, hops):
    client = make_app(RATELIMIT_FILING="1 per minute", PROXY_FIX_HOPS=hops).test_client()

    def send(forwarded):
        return client.post(
            "/api/v1/reports",
            json=BODY,
            headers={"X-Forwarded-For": forwarded},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ).status_code

    assert send("198.51.100.1") == 201
    # Without a trusted proxy the header is ignored: same address, so limited.
    assert send("198.51.100.2") == (201 if hops else 429)


def test_every_receipt_route_draws_on_one_shared_budget(make_app):
    client = make_app(RATELIMIT_FOLLOW_UP="4 per minute").test_client()
    token = csrf_token(client.get("/follow-up").get_data(as_text=True))
    form = {"receipt": "AAAA-BBBB", "csrf_token": token}
    guesses = [
        lambda: client.post("/api/v1/follow-up", json={"receipt": "AAAA-BBBB"}),
        lambda: client.post("/follow-up", data=form),
        lambda: client.post(
            "/api/v1/follow-up/messages", json={"receipt": "AAAA-BBBB", "message": "hello"}
        ),
        lambda: client.post("/follow-up/answer", data=form),
    ]
    assert 429 not in [guess().status_code for guess in guesses]
    assert [guess().status_code for guess in guesses] == [429] * 4
