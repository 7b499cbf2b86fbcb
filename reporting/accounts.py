"""Staff accounts and API tokens: argon2id passwords, per-account throttling, hashed tokens.

No Flask. Times come from the caller's clock and are stored as naive UTC (periods.naive_utc).
No client address is seen here: throttling is per account; per address, see ratelimit.py.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from reporting import passwords, totp
from reporting.db import database
from reporting.models import ApiToken, User
from reporting.periods import naive_utc, system_clock

ROLES = ("leadership", "reviewer", "admin")
TOKEN_PREFIX = "rpt_"  # noqa: S105 (a marker, not a secret)
TOKEN_SCOPE = "leadership"  # noqa: S105
MIN_PASSWORD_CHARS, MAX_PASSWORD_CHARS = passwords.MIN_CHARS, passwords.MAX_CHARS
MAX_TOKEN_NAME_CHARS = 80
_USERNAME = re.compile(r"^[a-z0-9._-]{3,80}$")

# Five wrong passwords in a row lock for a minute; each further one doubles it, up to an hour.
FREE_FAILURES = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)

# argon2-cffi's defaults are RFC 9106's second recommended profile (argon2id, t=3, 64 MiB).
DEFAULT_HASHER = PasswordHasher()


class AccountError(Exception):
    """An account or token operation was refused; the message says why."""


class InvalidUsername(AccountError):
    """A username is not 3 to 80 characters of a-z, 0-9, dot, underscore and hyphen."""


class InvalidRoles(AccountError):
    """Roles are empty or name a role other than leadership, reviewer and admin."""


class WeakPassword(AccountError):
    """A password is too short (or absurdly long), or too guessable for a reviewer."""


class DuplicateUser(AccountError):
    """An account with that username already exists."""


class UnknownUser(AccountError):
    """No account has that username."""


class UnknownToken(AccountError):
    """No API token has that id."""


class InvalidTokenName(AccountError):
    """A token's name is empty or longer than 80 characters."""


class LoginFailed(AccountError):
    """The username or the password is wrong (deliberately not saying which)."""


class SecondFactorMissing(AccountError):
    """The account's role needs TOTP and none is enrolled: an administrator must enrol one."""


class AccountLocked(AccountError):
    """Too many wrong passwords in a row: the account refuses logins until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__("the account is locked for a while after too many wrong passwords")
        self.until = until


@dataclass(frozen=True)
class TokenHolder:
    """Who a valid bearer token speaks for: a named integration with the token's scope."""

    token_id: str
    name: str
    roles: frozenset[str]


def check_username(username: str) -> str:
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise InvalidUsername(
            "a username is 3 to 80 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    return username


def check_roles(roles: object) -> tuple[str, ...]:
    chosen = set(roles or ())
    unknown = sorted(str(role) for role in chosen - set(ROLES))
    if unknown:
        raise InvalidRoles(f"unknown role {', '.join(unknown)}: choose from {', '.join(ROLES)}")
    if not chosen:
        raise InvalidRoles(f"give at least one role: {', '.join(ROLES)}")
    return tuple(role for role in ROLES if role in chosen)


def check_password(password: str, *, reviewer: bool = False, username: str = "") -> str:
    if problem := passwords.problem(password, reviewer=reviewer, username=username):
        raise WeakPassword(problem)
    return password


def create_user(
    username: str, password: str, roles: object, *, hasher: PasswordHasher = DEFAULT_HASHER
) -> User:
    """A new active, unlocked account; every rule is checked before anything is written."""
    check_username(username)
    chosen = check_roles(roles)
    check_password(password, reviewer="reviewer" in chosen, username=username)
    password_hash = hasher.hash(password)
    with database.atomic():
        if User.by_username(username) is not None:
            raise DuplicateUser(f"an account named {username!r} already exists")
        fields = {"username": username, "password_hash": password_hash, "roles": ",".join(chosen)}
        return User.create(id=secrets.token_hex(16), **fields)


def get_user(username: str) -> User:
    user = User.by_username(username)
    if user is None:
        raise UnknownUser(f"no account is named {username!r}")
    return user


def set_password(username: str, password: str, *, hasher: PasswordHasher = DEFAULT_HASHER) -> None:
    """A new password also clears the lock: the administrator has vouched for the holder."""
    user = get_user(username)
    check_password(password, reviewer="reviewer" in user.role_set, username=username)
    changes = {"password_hash": hasher.hash(password), "failed_logins": 0, "locked_until": None}
    User.update(**changes).where(User.id == user.id).execute()


def remove_user(username: str) -> None:
    User.delete().where(User.id == get_user(username).id).execute()


def list_users() -> list[User]:
    return list(User.select().order_by(User.username))


def user_by_id(user_id: str) -> User | None:
    return User.get_or_none((User.id == user_id) & (User.active == True))  # noqa: E712


_dummy_hashes: dict[tuple[int, int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash with the hasher's parameters, to spend the same work on unknown usernames."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = hasher.hash(secrets.token_urlsafe(24))
    return _dummy_hashes[key]


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def lock_duration(failures: int) -> timedelta | None:
    """How long the account stays locked after ``failures`` wrong passwords in a row."""
    if failures < FREE_FAILURES:
        return None
    return min(FIRST_LOCK * 2 ** min(failures - FREE_FAILURES, 16), LONGEST_LOCK)


def authenticate(
    username: str,
    password: str,
    now: datetime,
    *,
    hasher: PasswordHasher = DEFAULT_HASHER,
    code: str | None = None,
    totp_roles: frozenset[str] | set[str] | tuple[str, ...] = (),
) -> User:
    """The account if the password (and second factor) is right; else LoginFailed or locked.

    One argon2 verification per attempt, whether the name exists or is locked, so neither
    time nor wording tells which usernames exist. A TOTP account needs its current code (a
    wrong one counts as a failure); one holding a ``totp_roles`` role without a secret gets
    SecondFactorMissing, and only after the right password.
    """
    moment = naive_utc(now)
    password = password if isinstance(password, str) else ""
    # A name no account can have is looked up nowhere (PostgreSQL refuses a NUL in a query).
    can_exist = isinstance(username, str) and _USERNAME.match(username)
    user = User.by_username(username) if can_exist else None
    if user is None or not user.active:
        _verify(hasher, _dummy_hash(hasher), password[:MAX_PASSWORD_CHARS])
        raise LoginFailed("wrong username or password")
    too_long = len(password) > MAX_PASSWORD_CHARS  # never right; it costs the same work
    if user.locked_until is not None and user.locked_until > moment:
        # Strangers' guesses must not lock out the owner: password and current code open it.
        openable = bool(user.totp_secret) and not too_long
        checked = user.password_hash if openable else _dummy_hash(hasher)
        right = _verify(hasher, checked, password[:MAX_PASSWORD_CHARS]) and openable
        if not (right and totp.verify(user, code, now)):
            raise AccountLocked(user.locked_until.replace(tzinfo=UTC))
        return _logged_in(user, password, hasher)
    checked = _dummy_hash(hasher) if too_long else user.password_hash
    if not _verify(hasher, checked, password[:MAX_PASSWORD_CHARS]) or too_long:
        _record_failure(user, moment)
        raise LoginFailed("wrong username or password")
    if user.totp_secret and not totp.verify(user, code, now):
        _record_failure(user, moment)
        raise LoginFailed("wrong username, password or code")
    if not user.totp_secret and set(totp_roles) & user.role_set:
        raise SecondFactorMissing(
            "this account must use a second factor: ask an administrator to enrol one"
        )
    return _logged_in(user, password, hasher)


def _logged_in(user: User, password: str, hasher: PasswordHasher) -> User:
    """A successful login: the failure count and any lock reset, the hash renewed if old."""
    changes: dict = {User.failed_logins: 0, User.locked_until: None}
    if hasher.check_needs_rehash(user.password_hash):
        changes[User.password_hash] = hasher.hash(password)
    User.update(changes).where(User.id == user.id).execute()
    return User.get_by_id(user.id)


def _record_failure(user: User, moment: datetime) -> None:
    with database.atomic():
        # Counted in the database, so concurrent attempts cannot each see the old count.
        User.update(failed_logins=User.failed_logins + 1).where(User.id == user.id).execute()
        failures = User.select(User.failed_logins).where(User.id == user.id).scalar()
        lock = lock_duration(failures)
        if lock is not None:
            User.update(locked_until=moment + lock).where(User.id == user.id).execute()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(name: str, *, now: datetime | None = None) -> tuple[str, str]:
    """A new leadership token: (id, token). Only the token's SHA-256 is stored."""
    name = (name or "").strip()
    if not name or len(name) > MAX_TOKEN_NAME_CHARS:
        raise InvalidTokenName(f"a token's name is 1 to {MAX_TOKEN_NAME_CHARS} characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = secrets.token_hex(8)
    ApiToken.create(
        id=token_id,
        name=name,
        token_hash=_token_digest(token),
        scope=TOKEN_SCOPE,
        created=naive_utc(now or system_clock()),
    )
    return token_id, token


def revoke_token(token_id: str, *, now: datetime | None = None) -> bool:
    """Revoke a token at once; False if it was already revoked."""
    token = ApiToken.get_or_none(ApiToken.id == token_id)
    if token is None:
        raise UnknownToken(f"no token has the id {token_id!r}")
    if token.revoked is not None:
        return False
    revoked = naive_utc(now or system_clock())
    ApiToken.update(revoked=revoked).where(ApiToken.id == token_id).execute()
    return True


def list_tokens() -> list[ApiToken]:
    return list(ApiToken.select().order_by(ApiToken.created, ApiToken.name))


def user_for_token(token: str) -> TokenHolder | None:
    """Who a presented bearer token speaks for, or None if it is unknown or revoked."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = _token_digest(token)
    found = ApiToken.get_or_none((ApiToken.token_hash == digest) & ApiToken.revoked.is_null())
    if found is None:
        return None
    return TokenHolder(token_id=found.id, name=found.name, roles=frozenset({found.scope}))
