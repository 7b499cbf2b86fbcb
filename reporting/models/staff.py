"""The staff side's models: accounts, their tokens and sessions, review keys, the audit log.

Nothing here describes a reporter: a reporter never has an account, and these rows never
name a report. Review groups' key pairs live here because members hold sealed copies of
them (``Membership``); reports only point at their group.
"""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)

from reporting.models.base import BaseModel, BytesField
from reporting.models.prepared import run


class ReviewGroup(BaseModel):
    """A review group's key pair; the private key is stored only wrapped.

    The recovery copy of the private key is, by ``recovery_scheme``: 1, wrapped under a key
    derived from the recovery secret (instances made before groups could be added); 2,
    sealed to the recovery key's public half, so adding a group or rotating a key needs no
    recovery secret, only opening does. ``key_gen`` counts rotations; while one runs,
    ``next_public_key`` holds the new pair's public key (its private key sealed to the
    recovery key and to every member in ``Membership`` rows of generation ``key_gen + 1``).
    At the switch the new pair becomes current, the old recovery copy moves to
    ``previous_*`` and ``switched`` records when, until every item is re-wrapped
    (rotation.py).
    """

    name = CharField(primary_key=True, max_length=40)
    public_key = BytesField()
    recovery_wrapped_private_key = BytesField()
    recovery_scheme = SmallIntegerField(default=2)
    recovery_public_key = BytesField(null=True)
    key_gen = IntegerField(default=1)
    next_public_key = BytesField(null=True)
    next_recovery_wrapped = BytesField(null=True)
    # After the switch, until the rotation ends: the previous generation's recovery copy.
    previous_recovery_wrapped = BytesField(null=True)
    previous_recovery_scheme = SmallIntegerField(null=True)
    switched = DateTimeField(null=True)
    # Ed25519 signatures by the recovery key's signing key over (name, generation, public
    # key), for the current and the next pair, and a pre-signed spare pair for the next
    # generation (its private key sealed to the current public key) so that a rotation by a
    # member's password can switch to a signed key (pinning.py).
    key_signature = BytesField(null=True)
    next_key_signature = BytesField(null=True)
    spare_public_key = BytesField(null=True)
    spare_signature = BytesField(null=True)
    spare_sealed_private = BytesField(null=True)

    @classmethod
    def default(cls) -> ReviewGroup:
        return cls.get_by_id("default")

    @classmethod
    def sealing_columns(cls, name: str) -> ReviewGroup:
        """The group with only what filing seals with (name, generation, public key and its
        signature), from a SELECT compiled once per database.

        Every filing reads its group's key afresh, so a rotation is seen by the next
        filing; peewee's building of the query cost more than SQLite's running of it.
        """
        columns = (cls.name, cls.key_gen, cls.public_key, cls.key_signature)
        row = run(
            "review-group-sealing", lambda: cls.select(*columns).where(cls.name == ""), (name,)
        ).fetchone()
        if row is None:
            raise cls.DoesNotExist(f"no review group {name!r}")
        return cls(name=row[0], key_gen=row[1], public_key=row[2], key_signature=row[3])


class User(BaseModel):
    """A staff account (leadership, reviewer, admin); reporters never have one."""

    id = CharField(primary_key=True, max_length=32)
    username = CharField(unique=True, max_length=80)
    password_hash = CharField(max_length=200)
    roles = CharField(max_length=100)  # comma-separated: leadership, reviewer, admin
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    active = BooleanField(default=True)
    # A reviewer's own key pair: review groups' private keys are sealed to its public key,
    # and its private key is stored only wrapped under a key derived from the password.
    public_key = BytesField(null=True)
    wrapped_private_key = BytesField(null=True)
    key_salt = BytesField(null=True)
    # The argon2id parameters of that wrapping (password_keys.PasswordKeyParams); None is legacy.
    key_params = CharField(max_length=60, null=True)
    # TOTP second factor (RFC 6238): the shared secret, and the last time step accepted so
    # a code is never accepted twice.
    totp_secret = CharField(max_length=64, null=True)
    totp_last_step = IntegerField(null=True)
    # Where a reviewer's batch notice goes (staff_email.py); None sends none. The only
    # contact detail kept, and it is staff's: a reporter never has an account.
    email = CharField(max_length=254, null=True)

    @property
    def role_set(self) -> set[str]:
        return {r for r in self.roles.split(",") if r}

    @classmethod
    def by_username(cls, username: str) -> User | None:
        return cls.get_or_none(cls.username == username)


class ApiToken(BaseModel):
    """A leadership bearer token: only its SHA-256 is kept; it is printed once."""

    id = CharField(primary_key=True, max_length=16)
    name = CharField(max_length=80)
    token_hash = CharField(unique=True, max_length=64)
    scope = CharField(max_length=20, default="leadership")
    created = DateTimeField()
    revoked = DateTimeField(null=True)


class Membership(BaseModel):
    """A reviewer's copy of one generation of a group's private key, sealed to their key."""

    user = ForeignKeyField(User, backref="memberships", on_delete="CASCADE")
    group = ForeignKeyField(ReviewGroup, backref="memberships", on_delete="CASCADE")
    key_gen = IntegerField()
    sealed_private_key = BytesField()

    class Meta:
        primary_key = CompositeKey("user", "group", "key_gen")


class StaffKeySession(BaseModel):
    """A logged-in reviewer's private key, encrypted under a secret only their cookie holds.

    Every worker and app instance can use it while the session lives; the database alone
    cannot. Logout deletes the row; idle expiry makes the row unusable and housekeeping
    deletes it.
    """

    id = CharField(primary_key=True, max_length=32)
    user = ForeignKeyField(User, backref="key_sessions", on_delete="CASCADE")
    encrypted_private_key = BytesField()
    last_used = DateTimeField()


class StaffSession(BaseModel):
    """One logged-in staff browser: only a digest of the id its cookie carries is kept.

    Every staff request must find its row (staff_sessions.py): logout, a password change,
    removing the account and idle expiry delete it, so a copied cookie opens nothing after.
    Nothing about the client is stored; reporters never have one.
    """

    digest = CharField(primary_key=True, max_length=64)
    user = ForeignKeyField(User, backref="staff_sessions", on_delete="CASCADE")
    created = DateTimeField()
    last_used = DateTimeField()


class AuditEntry(BaseModel):
    """One privileged action, chained to the one before by a keyed hash (audit.py)."""

    seq = IntegerField(primary_key=True)
    at = DateTimeField()
    actor = CharField(max_length=80)
    action = CharField(max_length=40)
    object = CharField(max_length=120)
    detail = TextField()
    digest = CharField(max_length=64)
