"""Giving reviewers copies of review group keys, and keeping them through password changes.

No Flask here: the `reporting user …` commands call these. A copy of a group's key can only
be made by someone who can open it: a member with their password (the grantor) or the
offline recovery key. Nothing here needs the new member's password except to wrap their own
key pair, which `user add` has anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from reporting.db import database
from reporting.models import ReviewGroup, User
from reporting.privacy import crypto, keys

GroupOpener = Callable[[ReviewGroup], bytes]


class GrantError(Exception):
    """A grant was refused; the message says why. Nothing was changed."""


def opener_from_grantor(grantor: User, password: str) -> tuple[GroupOpener, list[str]]:
    """Opens the groups the grantor holds with their password; returns them too."""
    try:
        personal = keys.open_personal_key(grantor, password)
    except keys.WrongSecret as exc:
        raise GrantError("the grantor's password is wrong") from exc
    if personal is None:
        raise GrantError(f"{grantor.username} holds no review key")
    held = keys.open_group_keys(grantor.id, personal)

    def open_group(group: ReviewGroup) -> bytes:
        try:
            return held.for_item(group.name, group.key_gen)
        except keys.NoAccess as exc:
            raise GrantError(f"{grantor.username} holds no key for group {group.name!r}") from exc

    current = {g.name: g.key_gen for g in ReviewGroup.select()}
    return open_group, sorted(name for name, gen in held.keys if current.get(name) == gen)


def opener_from_recovery(recovery_text: str) -> tuple[GroupOpener, list[str]]:
    """Opens every group with the recovery key."""
    try:
        secret = crypto.parse_recovery_key(recovery_text)
    except crypto.CryptoError as exc:
        raise GrantError(str(exc)) from exc

    def open_group(group: ReviewGroup) -> bytes:
        try:
            return keys.open_with_recovery(group, secret)
        except keys.WrongSecret as exc:
            raise GrantError(f"the recovery key does not open group {group.name!r}") from exc

    return open_group, sorted(g.name for g in ReviewGroup.select())


def grant_groups(user: User, wanted: Iterable[str] | None, opener: tuple) -> list[str]:
    """Give ``user`` the current key of each wanted group (default: all the opener holds)."""
    open_group, available = opener
    names = sorted(set(wanted)) if wanted else available
    if not names:
        raise GrantError("there is no group key to grant")
    groups = {g.name: g for g in ReviewGroup.select().where(ReviewGroup.name.in_(names))}
    unknown = [name for name in names if name not in groups]
    if unknown:
        raise GrantError(f"no review group {', '.join(unknown)}")
    if any(g.next_public_key is not None for g in groups.values()):
        raise GrantError("a key rotation is under way: finish `reporting rotate-key` first")
    if "reviewer" not in user.role_set:
        raise GrantError(f"{user.username} is not a reviewer")
    if user.public_key is None:
        raise GrantError(
            f"{user.username} has no key pair yet: it is made at their first login "
            "(or with `user passwd`)"
        )
    opened = {name: open_group(group) for name, group in groups.items()}
    with database.atomic():
        for name, group in groups.items():
            keys.grant(user, group, opened[name])
    return names


def change_password_keys(user: User, old_password: str | None, new_password: str) -> str:
    """Keep the account's key pair under the new password, or start a new one.

    With the old password the pair (and every group key sealed to it) is kept. Without it
    the old pair cannot be opened: a new pair is made and the old copies of group keys are
    deleted; the account needs a new grant. Returns "kept", "replaced" or "none".
    """
    if user.wrapped_private_key is None:
        if "reviewer" in user.role_set:
            keys.give_personal_keys(user, new_password)
            return "replaced"
        return "none"
    if old_password is not None:
        try:
            keys.rewrap_personal_key(user, old_password, new_password)
        except keys.WrongSecret as exc:
            raise GrantError("the old password is wrong; nothing was changed") from exc
        return "kept"
    with database.atomic():
        keys.revoke_all(user)
        keys.give_personal_keys(user, new_password)
    return "replaced"
