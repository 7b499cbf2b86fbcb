"""Flood control that does not track anyone.

flask-limiter counts requests per key, and the key is an HMAC of the client address under a
secret that rotates (daily by default). In memory the secret never leaves the process; with
Redis (``REPORTING_RATELIMIT_STORAGE=redis://…``) it is shared by every app instance through
Redis with an expiry, so limits hold across instances while no address is ever written in
the clear and yesterday's counters cannot be linked to an address.

This is the only module that reads the client address. Limits are per address, so a whole
ward behind one NAT address shares them: they are set high (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix


class RotatingAddressKey:
    """Turns a client address into an unlinkable rate-limit key for the current epoch."""

    def __init__(self, rotation_seconds: int, redis_url: str | None = None) -> None:
        self.rotation_seconds = max(60, rotation_seconds)
        self._secrets: dict[int, bytes] = {}
        self._lock = threading.Lock()
        self._redis = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url)

    def _secret(self, epoch: int) -> bytes:
        with self._lock:
            secret = self._secrets.get(epoch)
            if secret is None:
                secret = self._fetch_or_create(epoch)
                self._secrets = {epoch: secret}  # forget earlier epochs at once
            return secret

    def _fetch_or_create(self, epoch: int) -> bytes:
        candidate = os.urandom(32)
        if self._redis is None:
            return candidate
        name = f"reporting:ratelimit-secret:{epoch}"
        self._redis.set(name, candidate, nx=True, ex=2 * self.rotation_seconds)
        return self._redis.get(name) or candidate

    def key_for(self, address: str) -> str:
        epoch = int(time.time()) // self.rotation_seconds
        digest = hmac.new(self._secret(epoch), address.encode(), hashlib.sha256).hexdigest()
        return digest[:32]


def _client_key() -> str:
    keyer: RotatingAddressKey = current_app.extensions["reporting.address_key"]
    return keyer.key_for(request.remote_addr or "unknown")


limiter = Limiter(key_func=_client_key, headers_enabled=True, strategy="moving-window")


def filing_limit() -> str:
    return current_app.config["RATELIMIT_FILING"]


def follow_up_limit() -> str:
    return current_app.config["RATELIMIT_FOLLOW_UP"]


# Every route that takes a receipt (the follow-up page, the reporter's answer and their JSON
# twins) counts against one budget per address: guessing receipts across routes gains
# nothing over guessing on one.
receipt_limit = limiter.shared_limit(follow_up_limit, scope="receipt")


def init_app(app: Flask) -> None:
    hops = int(app.config["PROXY_FIX_HOPS"])
    if hops:
        # Trust exactly as many X-Forwarded-For entries as there are proxies we run.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    storage = app.config["RATELIMIT_STORAGE"]
    redis_url = storage if storage.startswith(("redis://", "rediss://", "unix://")) else None
    app.extensions["reporting.address_key"] = RotatingAddressKey(
        int(float(app.config["RATELIMIT_KEY_ROTATION_HOURS"]) * 3600), redis_url
    )
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "reporting")
    # flask-limiter keeps `enabled` on the (module-level) Limiter and defaults each app to
    # the previous app's value: one app made with limits off would switch them off for every
    # app made after it in the same process. Each app states its own setting.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
