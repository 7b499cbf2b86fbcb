"""Who can open a review group's private key, and how: plain functions, no Flask.

Each review group has an X25519 key pair; filing seals to its public key. The private key
is stored only sealed: to the offline recovery key, and to each member's own key pair.
A member's private key is stored only wrapped under a key derived from their password.
So granting, rotating and adding groups need no member's password but the opener's, and a
copy of the database and instance folder opens nothing.

After login, a reviewer's private key is kept encrypted under a random secret that only
their session cookie carries (`StaffKeySession`), so every worker and app instance can use
it for that session while the database alone cannot; logout deletes it and idle expiry
makes it unusable.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from reporting.models import Membership, ReviewGroup, StaffKeySession, User
from reporting.periods import naive_utc
from reporting.privacy import crypto, password_keys
from reporting.privacy.password_keys import PASSWORD_KEY


class KeyAccessError(Exception):
    """A key could not be opened or granted; the message says why (never which secret)."""


class WrongSecret(KeyAccessError):
    """The password or recovery key does not open this key."""


class NoAccess(KeyAccessError):
    """The account holds no copy of that group's key."""


def recovery_context(group: str, gen: int = 1) -> bytes:
    suffix = b"" if gen == 1 else b":gen:" + str(gen).encode()
    return b"review-group:" + group.encode("utf-8") + b":recovery" + suffix


def member_context(user_id: str, group: str, gen: int) -> bytes:
    return f"member:{user_id}:group:{group}:gen:{gen}".encode()


def personal_context(user_id: str) -> bytes:
    return b"user:" + user_id.encode() + b":private"


def session_context(session_id: str) -> bytes:
    return b"staff-session:" + session_id.encode()


# The recovery key -------------------------------------------------------------------------


def recovery_public_key(secret: bytes) -> bytes:
    """The recovery key's public half: the secret is also an X25519 private key."""
    return crypto.public_key_of(secret)


def create_group(name: str, recovery_public: bytes) -> ReviewGroup:
    """A new group key pair whose private key only the recovery key (and later members) open."""
    pair = crypto.generate_keypair()
    return ReviewGroup.create(
        name=name,
        public_key=pair.public,
        recovery_wrapped_private_key=crypto.seal(
            pair.private, recovery_public, recovery_context(name)
        ),
        recovery_scheme=2,
        recovery_public_key=recovery_public,
        key_gen=1,
    )


def open_with_recovery(group: ReviewGroup, secret: bytes, *, next_gen: bool = False) -> bytes:
    """The group's current (or, during rotation, next) private key, opened by the recovery key."""
    try:
        if next_gen:
            return crypto.open_sealed(
                group.next_recovery_wrapped, secret, recovery_context(group.name, group.key_gen + 1)
            )
        blob = group.recovery_wrapped_private_key
        context = recovery_context(group.name, group.key_gen)
        if group.recovery_scheme == 1:
            private = crypto.unwrap_private_key(blob, secret, context)
        else:
            private = crypto.open_sealed(blob, secret, context)
    except crypto.CryptoError as exc:
        raise WrongSecret("the recovery key does not open this group's key") from exc
    if group.recovery_public_key is None:
        # An instance from before scheme 2: learn the public half now it is known to be right.
        ReviewGroup.update(recovery_public_key=recovery_public_key(secret)).where(
            ReviewGroup.name == group.name
        ).execute()
        group.recovery_public_key = recovery_public_key(secret)
    return private


def unlock_with_recovery_key(recovery_key_text: str, group: str = "default") -> bytes:
    """The group's private key, opened with the recovery key file's text."""
    secret = crypto.parse_recovery_key(recovery_key_text)
    return open_with_recovery(ReviewGroup.get_by_id(group), secret)


# Members ----------------------------------------------------------------------------------


def give_personal_keys(user: User, password: str) -> bytes:
    """A fresh key pair for the account, wrapped under its password; returns the private key.

    Any earlier pair is replaced, so copies of group keys sealed to it no longer open: the
    caller re-grants them (or `rewrap_personal_key` keeps the pair when the old password is
    known).
    """
    pair = crypto.generate_keypair()
    _store_personal(user, pair.private, pair.public, password)
    return pair.private


def _store_personal(user: User, private: bytes, public: bytes, password: str) -> None:
    """Wrap under the current argon2id parameters, stored beside the key (`key_params`)."""
    salt, params = secrets.token_bytes(password_keys.PASSWORD_KEY_SALT_BYTES), PASSWORD_KEY
    secret = password_keys.derive_password_key(password, salt, params)
    wrapped = crypto.wrap_private_key(private, secret, personal_context(user.id))
    stored = {"public_key": public, "wrapped_private_key": wrapped, "key_salt": salt}
    User.update(**stored, key_params=params.encode()).where(User.id == user.id).execute()
    user.public_key, user.wrapped_private_key, user.key_salt = public, wrapped, salt
    user.key_params = params.encode()


def open_personal_key(user: User, password: str) -> bytes | None:
    """The account's private key, or None if it has none; WrongSecret for a wrong password.

    A key wrapped under weaker parameters than today's is re-wrapped under them at once,
    while the password is at hand (at login, a grant or a rotation by password).
    """
    if user.wrapped_private_key is None:
        return None
    try:
        params = password_keys.PasswordKeyParams.decode(user.key_params)
        private = crypto.unwrap_private_key(
            user.wrapped_private_key,
            password_keys.derive_password_key(password, user.key_salt, params),
            personal_context(user.id),
        )
    except crypto.CryptoError as exc:
        raise WrongSecret("the password does not open this account's key") from exc
    if params.weaker_than(PASSWORD_KEY):
        _store_personal(user, private, bytes(user.public_key), password)
    return private


def rewrap_personal_key(user: User, old_password: str, new_password: str) -> bool:
    """Keep the account's key pair under a new password; False if it had none."""
    private = open_personal_key(user, old_password)
    if private is None:
        return False
    _store_personal(user, private, user.public_key, new_password)
    return True


def grant(user: User, group: ReviewGroup, group_private: bytes, gen: int | None = None) -> None:
    """Seal a copy of the group's private key (one generation) to the member's public key."""
    if user.public_key is None:
        raise NoAccess(f"{user.username} has no key pair: give them the reviewer role first")
    gen = group.key_gen if gen is None else gen
    sealed = crypto.seal(group_private, user.public_key, member_context(user.id, group.name, gen))
    Membership.insert(
        user=user.id, group=group.name, key_gen=gen, sealed_private_key=sealed
    ).on_conflict(
        conflict_target=[Membership.user, Membership.group, Membership.key_gen],
        update={Membership.sealed_private_key: sealed},
    ).execute()


def end_sessions_of(user: User) -> int:
    return StaffKeySession.delete().where(StaffKeySession.user == user.id).execute()


def revoke_all(user: User) -> int:
    """Delete every copy of a group key the account holds, and its key sessions."""
    StaffKeySession.delete().where(StaffKeySession.user == user.id).execute()
    return Membership.delete().where(Membership.user == user.id).execute()


def groups_of(user_id: str) -> list[str]:
    query = (
        Membership.select(Membership.group)
        .where(Membership.user == user_id)
        .distinct()
        .order_by(Membership.group)
    )
    return [row.group_id for row in query]


@dataclass(frozen=True)
class GroupKeys:
    """The group private keys one member holds, by (group, generation)."""

    keys: dict[tuple[str, int], bytes]

    def groups(self) -> set[str]:
        return {name for name, _ in self.keys}

    def for_item(self, group: str, gen: int) -> bytes:
        try:
            return self.keys[(group, gen)]
        except KeyError as exc:
            raise NoAccess(f"no key for group {group!r} generation {gen}") from exc


def open_group_keys(user_id: str, personal_private: bytes) -> GroupKeys:
    """Every group key (all generations still held) that the member's private key opens."""
    keys = {}
    for row in Membership.select().where(Membership.user == user_id):
        try:
            keys[(row.group_id, row.key_gen)] = crypto.open_sealed(
                row.sealed_private_key,
                personal_private,
                member_context(user_id, row.group_id, row.key_gen),
            )
        except crypto.CryptoError:
            continue  # sealed to an earlier personal key pair: needs a new grant
    return GroupKeys(keys)


def open_group_with_password(user: User, password: str, group: str) -> bytes:
    """A group's current private key, opened by a member's password (a grantor, a rotation)."""
    personal = open_personal_key(user, password)
    if personal is None:
        raise NoAccess(f"{user.username} holds no review key")
    current = ReviewGroup.get_by_id(group)
    keys = open_group_keys(user.id, personal)
    if (group, current.key_gen) not in keys:
        raise NoAccess(f"{user.username} holds no copy of group {group!r}'s key")
    return keys[(group, current.key_gen)]


# Sessions ---------------------------------------------------------------------------------


def start_session(user_id: str, personal_private: bytes, now: datetime) -> tuple[str, bytes]:
    """Keep the reviewer's private key for this session; returns (id, secret) for the cookie."""
    session_id = secrets.token_hex(16)
    secret = crypto.new_secret_key()
    StaffKeySession.create(
        id=session_id,
        user=user_id,
        encrypted_private_key=crypto.encrypt_with_secret(
            personal_private, secret, session_context(session_id)
        ),
        last_used=naive_utc(now),
    )
    return session_id, secret


# The last-used time is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)


def session_key(
    session_id: str, secret: bytes, user_id: str, now: datetime, idle: timedelta
) -> bytes | None:
    """The session's private key, or None if it ended, idled out or is someone else's."""
    row = StaffKeySession.get_or_none(StaffKeySession.id == session_id)
    if row is None or row.user_id != user_id:
        return None
    moment = naive_utc(now)
    if moment - row.last_used > idle:
        row.delete_instance()
        return None
    try:
        private = crypto.decrypt_with_secret(
            row.encrypted_private_key, secret, session_context(session_id)
        )
    except crypto.CryptoError:
        return None
    if moment - row.last_used > TOUCH_EVERY:
        StaffKeySession.update(last_used=moment).where(StaffKeySession.id == session_id).execute()
    return private


def end_session(session_id: str) -> None:
    StaffKeySession.delete().where(StaffKeySession.id == session_id).execute()


def end_idle_sessions(now: datetime, idle: timedelta) -> int:
    return (
        StaffKeySession.delete().where(StaffKeySession.last_used < naive_utc(now) - idle).execute()
    )
