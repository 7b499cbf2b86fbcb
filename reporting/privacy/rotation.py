"""Rotating a review group's key pair, resumably, without leaving any item unreadable.

No Flask here; `reporting rotate-key` drives it. Each step is its own transaction and the
state lives in the ReviewGroup row, so a rotation killed at any point and run again carries
on where it stopped:

1. prepare: a new key pair; its private key sealed to the recovery key and to every member
   who holds the current generation (their public keys suffice: no member password needed);
2. switch: the new pair becomes current, so filing seals to it; the old recovery copy is
   kept aside until the end;
3. sweep: every sealed item (narratives, notes, messages) still on the old generation has
   its data key re-wrapped to the new public key; the ciphertext itself is unchanged;
4. settle: once no process can still hold the old public key (filing caches it for
   `cache_seconds`), sweep again, then delete every copy of the old private key.

Only the data keys are re-wrapped, so a receipt holder's copy of a message key (wrapped
under the receipt, not the group key) is untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from peewee import Model

from reporting import reports
from reporting.db import database
from reporting.models import Membership, Message, Note, Report, ReviewGroup, User
from reporting.privacy import crypto, keys, pinning

BATCH = 500


class RotationError(Exception):
    """The rotation cannot proceed with what was given; nothing further was changed."""


@dataclass(frozen=True)
class SealedColumn:
    """One kind of sealed item: its model, blob column and associated data."""

    model: type[Model]
    column: str
    context: Callable[[Model], bytes]


def _sealed_columns() -> tuple[SealedColumn, ...]:
    from reporting.review import conversation, notes

    return (
        SealedColumn(Report, "narrative", lambda row: reports.narrative_context(row.id)),
        SealedColumn(Note, "body", notes.note_context),
        SealedColumn(Message, "body", conversation.message_context),
    )


@dataclass
class Opener:
    """How the operator opens group keys: a member's password or the recovery key."""

    user: User | None = None
    password: str | None = None
    recovery_secret: bytes | None = None
    _held: keys.GroupKeys | None = field(default=None, repr=False)

    def open(self, group: ReviewGroup, gen: int) -> bytes:
        """The group's private key of generation ``gen``."""
        if self.recovery_secret is not None:
            return _open_recovery_copy(group, gen, self.recovery_secret)
        if self._held is None:
            personal = keys.open_personal_key(self.user, self.password)
            if personal is None:
                raise RotationError(f"{self.user.username} holds no review key")
            self._held = keys.open_group_keys(self.user.id, personal)
        try:
            return self._held.for_item(group.name, gen)
        except keys.NoAccess as exc:
            raise RotationError(
                f"{self.user.username} holds no copy of group {group.name!r} generation {gen}"
            ) from exc


def _open_recovery_copy(group: ReviewGroup, gen: int, secret: bytes) -> bytes:
    context = keys.recovery_context(group.name, gen)
    if gen == group.key_gen:
        return keys.open_with_recovery(group, secret)
    if gen == group.key_gen + 1 and group.next_recovery_wrapped is not None:
        return keys.open_with_recovery(group, secret, next_gen=True)
    if gen == group.key_gen - 1 and group.previous_recovery_wrapped is not None:
        blob = group.previous_recovery_wrapped
        try:
            if group.previous_recovery_scheme == 1:
                return crypto.unwrap_private_key(blob, secret, context)
            return crypto.open_sealed(blob, secret, context)
        except crypto.CryptoError as exc:
            raise RotationError("the recovery key does not open this group's key") from exc
    raise RotationError(f"no recovery copy of group {group.name!r} generation {gen}")


@dataclass
class RotationReport:
    group: str
    new_gen: int = 0
    resumed: bool = False
    rewrapped: int = 0
    members: int = 0
    seconds: float = 0.0


def rotate(
    group_name: str,
    opener: Opener,
    *,
    now: Callable[[], datetime],
    cache_seconds: float,
    progress: Callable[[str], None] = lambda _: None,
    sleep: Callable[[float], None] = time.sleep,
) -> RotationReport:
    started = time.monotonic()
    group = ReviewGroup.get_or_none(ReviewGroup.name == group_name)
    if group is None:
        raise RotationError(f"no review group {group_name!r}")
    result = RotationReport(group_name)
    result.resumed = group.next_public_key is not None or group.switched is not None
    if group.switched is None:
        old_private = opener.open(group, group.key_gen)
        if opener.recovery_secret is not None:
            group = ReviewGroup.get_by_id(group_name)  # the recovery public key may be new
        if group.next_public_key is None:
            result.members = _prepare(group, old_private, opener.recovery_secret)
            group = ReviewGroup.get_by_id(group_name)
            progress(
                f"{group_name}: new key pair for generation {group.key_gen + 1}, "
                f"sealed to {result.members} member(s) and the recovery key"
            )
        _switch(group, now())
        group = ReviewGroup.get_by_id(group_name)
        progress(f"{group_name}: filing now seals to generation {group.key_gen}")
    else:
        old_private = opener.open(group, group.key_gen - 1)
    if opener.recovery_secret is not None and group.spare_public_key is None:
        pinning.make_spare(group, pinning.signing_seed(opener.recovery_secret))
    new_public = group.public_key
    result.new_gen = group.key_gen
    result.rewrapped += _sweep(group, old_private, new_public, progress)
    settle_at = group.switched.replace(tzinfo=UTC).timestamp() + cache_seconds + 1
    wait = settle_at - now().timestamp()
    if wait > 0:
        progress(f"{group_name}: waiting {wait:.0f} s for every process to see the new key")
        sleep(wait)
    result.rewrapped += _sweep(group, old_private, new_public, progress)
    _settle(group)
    progress(f"{group_name}: old key generation {group.key_gen - 1} destroyed")
    result.seconds = time.monotonic() - started
    return result


def _prepare(group: ReviewGroup, old_private: bytes, recovery_secret: bytes | None) -> int:
    """The next key pair, signed, sealed to the recovery key and every current member, at once.

    One transaction, so a resumed rotation finds either nothing or every copy; grants are
    refused while a rotation runs (grants.py), so no member can be missed. The pair is new
    and signed with the recovery key, or by a member's password the pre-signed spare.
    """
    if group.recovery_public_key is None:
        raise RotationError(
            f"group {group.name!r} has no recovery public key yet: run this rotation once "
            "with --recovery-key-file"
        )
    try:
        pair, signature = pinning.next_pair(
            group, old_private, recovery_secret, pinning.current_pin()
        )
    except pinning.UnverifiedGroupKey as exc:
        raise RotationError(str(exc)) from exc
    gen = group.key_gen + 1
    members = list(
        User.select()
        .join(Membership, on=(Membership.user == User.id))
        .where((Membership.group == group.name) & (Membership.key_gen == group.key_gen))
    )
    with database.atomic():
        updated = (
            ReviewGroup.update(
                next_public_key=pair.public,
                next_recovery_wrapped=crypto.seal(
                    pair.private, group.recovery_public_key, keys.recovery_context(group.name, gen)
                ),
                next_key_signature=signature,
                spare_public_key=None,
                spare_signature=None,
                spare_sealed_private=None,
            )
            .where((ReviewGroup.name == group.name) & ReviewGroup.next_public_key.is_null())
            .execute()
        )
        if updated != 1:
            raise RotationError("another rotation of this group started at the same time")
        granted = 0
        for user in members:
            if user.public_key is not None:
                keys.grant(user, group, pair.private, gen=gen)
                granted += 1
    return granted


def _switch(group: ReviewGroup, moment: datetime) -> None:
    with database.atomic():
        ReviewGroup.update(
            key_gen=group.key_gen + 1,
            public_key=group.next_public_key,
            key_signature=group.next_key_signature,
            next_key_signature=None,
            recovery_wrapped_private_key=group.next_recovery_wrapped,
            recovery_scheme=2,
            previous_recovery_wrapped=group.recovery_wrapped_private_key,
            previous_recovery_scheme=group.recovery_scheme,
            next_public_key=None,
            next_recovery_wrapped=None,
            switched=moment.astimezone(UTC).replace(tzinfo=None),
        ).where(ReviewGroup.name == group.name).execute()


def _rows_to_rewrap(column: SealedColumn, group: ReviewGroup) -> Iterator[list[Model]]:
    model = column.model
    blob = getattr(model, column.column)
    in_group = Report.review_group == group.name
    query = model.select() if model is Report else model.select(model).join(Report)
    last = ""
    while True:
        batch = list(
            query.where(
                in_group
                & (model.sealed_gen < group.key_gen)
                & blob.is_null(False)
                & (model.id > last)
            )
            .order_by(model.id)
            .limit(BATCH)
        )
        if not batch:
            return
        yield batch
        last = batch[-1].id


def _sweep(group: ReviewGroup, old_private: bytes, new_public: bytes, progress) -> int:
    done = 0
    for column in _sealed_columns():
        model = column.model
        for batch in _rows_to_rewrap(column, group):
            with database.atomic():
                for row in batch:
                    sealed = crypto.rewrap(
                        getattr(row, column.column), old_private, new_public, column.context(row)
                    )
                    model.update(
                        {getattr(model, column.column): sealed, model.sealed_gen: group.key_gen}
                    ).where((model.id == row.id) & (model.sealed_gen < group.key_gen)).execute()
            done += len(batch)
            progress(f"{group.name}: re-wrapped {done} items")
    return done


def _settle(group: ReviewGroup) -> None:
    with database.atomic():
        Membership.delete().where(
            (Membership.group == group.name) & (Membership.key_gen < group.key_gen)
        ).execute()
        ReviewGroup.update(
            previous_recovery_wrapped=None, previous_recovery_scheme=None, switched=None
        ).where(ReviewGroup.name == group.name).execute()
