"""Keys derived from reviewers' passwords, and the argon2id parameters each was made with.

Apart from `crypto` because they are their own idea: what a guess at a password costs an
attacker holding a copy of the database, and how a key wrapped under older parameters is
still opened and then re-wrapped under the current ones (privacy/keys.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.privacy.crypto import CryptoError

# A password-derived key: argon2id, on top of the login's own password hash, so a database
# copy costs this much per guess. The parameters are stored beside each wrapped key
# (`PasswordKeyParams.encode`), so a key wrapped under older parameters still opens and is
# re-wrapped under these at the next login. These are the login hash's own (argon2-cffi's
# default, RFC 9106's second profile: 64 MiB, 3 passes, 4 lanes): the key is no weaker a
# guess than the password hash beside it. Keys wrapped before parameters were stored used
# OWASP's baseline (19 MiB, 2 passes, 1 lane): `LEGACY_PASSWORD_KEY`.
PASSWORD_KEY_SALT_BYTES = 16


@dataclass(frozen=True, order=True)
class PasswordKeyParams:
    memory_kib: int
    time_cost: int
    parallelism: int

    def encode(self) -> str:
        return f"argon2id$m={self.memory_kib},t={self.time_cost},p={self.parallelism}"

    @classmethod
    def decode(cls, text: str | None) -> PasswordKeyParams:
        """The stored form back; None (a key wrapped before parameters were kept) is legacy."""
        if text is None:
            return LEGACY_PASSWORD_KEY
        try:
            kind, rest = text.split("$", 1)
            values = dict(part.split("=", 1) for part in rest.split(","))
            params = cls(int(values["m"]), int(values["t"]), int(values["p"]))
        except (ValueError, KeyError) as exc:
            raise CryptoError("not a known password key parameter set") from exc
        # Bounds, so an altered row can neither exhaust memory nor pass for a strong wrap.
        if kind != "argon2id" or not (
            8 <= params.memory_kib <= 4 * 1024 * 1024
            and 1 <= params.time_cost <= 20
            and 1 <= params.parallelism <= 16
        ):
            raise CryptoError("not a known password key parameter set")
        return params

    def weaker_than(self, other: PasswordKeyParams) -> bool:
        return self.memory_kib < other.memory_kib or self.time_cost < other.time_cost


LEGACY_PASSWORD_KEY = PasswordKeyParams(memory_kib=19 * 1024, time_cost=2, parallelism=1)
PASSWORD_KEY = PasswordKeyParams(memory_kib=64 * 1024, time_cost=3, parallelism=4)


def derive_password_key(
    password: str, salt: bytes, params: PasswordKeyParams = PASSWORD_KEY
) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,  # an AES-256 key
        type=Type.ID,
    )
